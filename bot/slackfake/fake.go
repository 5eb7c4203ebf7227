// Package slackfake is an in-process fake of Slack for tests and for `mdebot demo`.
//
// It speaks Slack's real protocols over real loopback sockets: the Web API
// (form-encoded and JSON methods under APIURL), the socket-mode WebSocket
// (hello, envelopes, acks, WebSocket pings, disconnect), response_url posts
// and the external file upload URL. The unmodified slack-go client and its
// socketmode package connect to it when built with
// slack.OptionAPIURL(fake.APIURL()) and slack.OptionAppLevelToken.
//
// Everything the bot does is recorded for assertions (messages with their
// edit history, ephemerals, views, files, response_url posts, acks, calls per
// method, mentions). Tests wait for recorded state with WaitFor or Ack instead
// of sleeping. Faults are injected with RateLimit, FailMethod, Disconnect,
// DropSocket and StopPings.
package slackfake

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// ErrClosed is returned by methods called after Close.
var ErrClosed = errors.New("slackfake: closed")

// Options configure a Fake. Zero fields take the defaults shown.
type Options struct {
	BotToken     string        // accepted bot token; "xoxb-slackfake"
	AppToken     string        // accepted app-level token; "xapp-slackfake"
	TeamID       string        // workspace ID; "T0FAKE"
	TeamDomain   string        // workspace domain; "fake"
	AppID        string        // app ID in payloads; "A0FAKE"
	BotUserID    string        // the bot's user ID (auth.test, messages); "U0BOT"
	BotID        string        // the bot's bot ID; "B0BOT"
	Scopes       []string      // the bot token's scopes (x-oauth-scopes); nil: DefaultScopes
	PingInterval time.Duration // WebSocket PING period; 1s, well inside slack-go's 30 s watchdog
	TriggerTTL   time.Duration // how long a trigger_id is valid; 3s, negative for never
	Addr         string        // listen address; "127.0.0.1:0"
	Logger       *slog.Logger  // diagnostics; discarded when nil
	// PostsPerSecond > 0 keeps Slack's posting pace: chat.postMessage calls to one channel beyond
	// it (after bursts of PostBurst, 3 by default) get a 429 with Retry-After (see pace.go).
	// Zero: no pace, for tests that post faster than Slack would allow.
	PostsPerSecond float64
	PostBurst      int
	Now            func() time.Time // the fake's clock: trigger_id expiry and the posting pace; time.Now
}

func (o *Options) setDefaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&o.BotToken, "xoxb-slackfake")
	def(&o.AppToken, "xapp-slackfake")
	def(&o.TeamID, "T0FAKE")
	def(&o.TeamDomain, "fake")
	def(&o.AppID, "A0FAKE")
	def(&o.BotUserID, "U0BOT")
	def(&o.BotID, "B0BOT")
	def(&o.Addr, "127.0.0.1:0")
	if o.PingInterval <= 0 {
		o.PingInterval = time.Second
	}
	if o.TriggerTTL == 0 {
		o.TriggerTTL = 3 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Scopes == nil {
		o.Scopes = DefaultScopes()
	}
	if o.PostBurst <= 0 {
		o.PostBurst = 3
	}
}

// DefaultScopes are the bot token scopes of mdebot's manifest (`mdebot manifest`), which a fake
// started without Options.Scopes grants.
func DefaultScopes() []string {
	return []string{"commands", "chat:write", "files:write", "im:write", "usergroups:read", "users:read",
		"users:read.email", "channels:read", "groups:read", "channels:history", "groups:history"}
}

// hasScope reports whether the bot token was granted scope.
func (f *Fake) hasScope(scope string) bool { return slices.Contains(f.opts.Scopes, scope) }

// Fake is a running fake Slack. All methods are safe for concurrent use.
type Fake struct {
	opts  Options
	log   *slog.Logger
	srv   *http.Server
	base  string // "http://127.0.0.1:port"
	wg    sync.WaitGroup
	pings atomic.Bool // true while pings are stopped

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every recorded change
	closed  bool
	seq     int
	lastTS  int64
	rec     records
	faults  map[faultKey]*fault
	tickets map[string]bool // apps.connections.open ticket -> used
	trigs   map[string]*trigger
	resps   map[string]*responseURL
	sent    map[string]time.Time // envelope ID -> send time
	live    []*conn              // connections envelopes may be routed to
	all     map[*conn]struct{}   // every open connection, live or draining
	rr      int
	users   map[string]User
	groups  map[string][]string
	chans   map[string]Channel
	buckets map[string]*bucket // channel -> posting allowance, when the pace is kept
}

// Start listens on opts.Addr and serves the fake until Close.
func Start(opts Options) (*Fake, error) {
	opts.setDefaults()
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("slackfake: listen: %w", err)
	}
	host := ln.Addr().(*net.TCPAddr)
	if host.IP.IsUnspecified() {
		host = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: host.Port}
	}
	f := &Fake{
		opts:    opts,
		log:     opts.Logger.With("component", "slackfake"),
		base:    "http://" + host.String(),
		changed: make(chan struct{}),
		rec:     newRecords(),
		faults:  map[faultKey]*fault{},
		tickets: map[string]bool{},
		trigs:   map[string]*trigger{},
		resps:   map[string]*responseURL{},
		sent:    map[string]time.Time{},
		all:     map[*conn]struct{}{},
		users:   map[string]User{},
		groups:  map[string][]string{},
		chans:   map[string]Channel{},
		buckets: map[string]*bucket{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", f.serveAPI)
	mux.HandleFunc("GET /ws", f.serveSocket)
	mux.HandleFunc("POST /upload/{id}", f.serveUpload)
	mux.HandleFunc("POST /response/{id}", f.serveResponseURL)
	f.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	f.wg.Go(func() {
		if err := f.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			f.log.Error("serve failed", "err", err)
		}
	})
	f.log.Info("fake slack started", "api_url", f.APIURL())
	return f, nil
}

// New starts a Fake for a test and closes it when the test ends.
func New(t testing.TB, opts Options) *Fake {
	t.Helper()
	f, err := Start(opts)
	if err != nil {
		t.Fatalf("start fake slack: %v", err)
	}
	t.Cleanup(f.Close)
	return f
}

// Close stops the server, drops every WebSocket connection and waits for the
// fake's goroutines. It is safe to call more than once.
func (f *Fake) Close() {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return
	}
	f.closed = true
	conns := slices.Collect(maps.Keys(f.all))
	f.live = nil
	f.notifyLocked()
	f.mu.Unlock()
	_ = f.srv.Close()
	for _, c := range conns {
		c.close(false)
	}
	f.wg.Wait()
}

// APIURL is the Web API base for slack.OptionAPIURL; it ends with "/api/".
func (f *Fake) APIURL() string { return f.base + "/api/" }

// URL is the fake's base URL, "http://127.0.0.1:port".
func (f *Fake) URL() string { return f.base }

// BotToken is the bot token the fake accepts.
func (f *Fake) BotToken() string { return f.opts.BotToken }

// AppToken is the app-level token the fake accepts.
func (f *Fake) AppToken() string { return f.opts.AppToken }

// notifyLocked wakes every waiter; f.mu must be held.
func (f *Fake) notifyLocked() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// nextIDLocked returns prefix followed by a fresh sequence number; f.mu must be held.
func (f *Fake) nextIDLocked(prefix string) string {
	f.seq++
	return fmt.Sprintf("%s%07d", prefix, f.seq)
}

// nextTSLocked returns a message timestamp that is unique and increasing
// across all channels and close to the wall clock; f.mu must be held.
func (f *Fake) nextTSLocked() string {
	us := time.Now().UnixMicro()
	if us <= f.lastTS {
		us = f.lastTS + 1
	}
	f.lastTS = us
	return fmt.Sprintf("%d.%06d", us/1e6, us%1e6)
}

// waitLocked blocks until the next change or ctx is done. It releases f.mu
// while waiting and holds it again on return.
func (f *Fake) waitLocked(ctx context.Context) error {
	ch := f.changed
	f.mu.Unlock()
	defer f.mu.Lock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
