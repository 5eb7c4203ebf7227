package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/defender/defendertest"
	"github.com/mdebot/mdebot/defender/mdefake"
	"github.com/mdebot/mdebot/store"
	"github.com/mdebot/mdebot/store/storetest"
	"github.com/redis/go-redis/v9"
	"github.com/slack-go/slack"
)

// alertEnv is the MDE fake, the Slack fake and one Redis server, shared by the pollers of a test.
type alertEnv struct {
	t     testing.TB
	mde   *defendertest.Env
	slack *slackfake.Fake
	srv   storetest.Server
	dev   mdefake.Machine
}

const (
	socChannel  = "C0SOC"
	highChannel = "C0HIGH"
)

func newAlertEnv(t testing.TB, srv storetest.Server) *alertEnv {
	t.Helper()
	env := defendertest.New(t, defendertest.Options{})
	e := &alertEnv{t: t, mde: env, slack: slackfake.New(t, slackfake.Options{}), srv: srv}
	e.dev = env.Fake.AddMachine(mdefake.Machine{ComputerDNSName: "web01.contoso.com", OSPlatform: "WindowsServer2022",
		RBACGroupName: "Tier0 Servers", MachineTags: []string{"prod", "pci"}})
	return e
}

// addAlert adds an alert on the env's device.
func (e *alertEnv) addAlert(sev, title string, incident int64) string {
	var inc *int64
	if incident != 0 {
		inc = &incident
	}
	return e.mde.Fake.AddAlert(mdefake.Alert{Severity: sev, Title: title, MachineID: e.dev.ID, IncidentID: inc,
		Category: "Execution", DetectionSource: "WindowsDefenderAtp",
		Evidence: []mdefake.Evidence{{EntityType: "File", FileName: title + ".exe", SHA1: mdefake.FakeSHA1(title)}}}).ID
}

// pollerCfg are the knobs a test turns.
type pollerCfg struct {
	opts      Options
	transport http.RoundTripper // for Slack; nil: default
	rdb       redis.UniversalClient
}

// newPoller builds a poller over the env with fast, test-sized defaults.
func (e *alertEnv) newPoller(cfg pollerCfg) (*Poller, *store.Store) {
	e.t.Helper()
	o := cfg.opts
	if o.DefaultChannel == "" {
		o.DefaultChannel = socChannel
	}
	o.PortalURL = "https://security.microsoft.com"
	if o.SlackPerSecond == 0 {
		o.SlackPerSecond = -1
	}
	if o.MDEPerMinute == 0 {
		o.MDEPerMinute = -1
	}
	if o.Sleep == nil {
		o.Sleep = func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	}
	if o.Lookback == 0 {
		o.Lookback = 24 * time.Hour
	}
	rdb := cfg.rdb
	if rdb == nil {
		rdb = e.srv.Client
	}
	hc := &http.Client{Timeout: 10 * time.Second}
	if cfg.transport != nil {
		hc.Transport = cfg.transport
	}
	api := slack.New(e.slack.BotToken(), slack.OptionAPIURL(e.slack.APIURL()), slack.OptionHTTPClient(hc))
	st := store.New(rdb, e.srv.Prefix)
	return NewPoller(e.mde.Client, api, st, o), st
}

// pollOnce obtains the lock, polls once and lets it go.
func pollOnce(t *testing.T, p *Poller, st *store.Store) error {
	t.Helper()
	l, err := st.ObtainLeader(t.Context(), PollerName, p.Owner(), 30*time.Second)
	if err != nil {
		t.Fatalf("ObtainLeader: %v", err)
	}
	defer func() { _ = l.Release(context.WithoutCancel(t.Context())) }()
	return p.PollOnce(t.Context(), l)
}

func mustPoll(t *testing.T, p *Poller, st *store.Store) {
	t.Helper()
	if err := pollOnce(t, p, st); err != nil {
		t.Fatalf("poll: %v", err)
	}
}

// seenAlerts counts, per channel and alert id, the cards and digest lines the fake holds (an
// alert updated in a digest's thread has both: its line and, later, its card).
type seenAlerts map[string]map[string]int

func msgMeta(m slackfake.Message) (kind string, p map[string]any) {
	var md struct {
		EventType    string         `json:"event_type"`
		EventPayload map[string]any `json:"event_payload"`
	}
	if m.Metadata == nil || json.Unmarshal(m.Metadata, &md) != nil || md.EventType != metaEvent {
		return "", nil
	}
	kind, _ = md.EventPayload["kind"].(string)
	return kind, md.EventPayload
}

func countAlerts(snap *slackfake.Snapshot) (cards, lines seenAlerts) {
	cards, lines = seenAlerts{}, seenAlerts{}
	add := func(s seenAlerts, ch, id string) {
		if s[ch] == nil {
			s[ch] = map[string]int{}
		}
		s[ch][id]++
	}
	for _, m := range snap.Messages {
		kind, p := msgMeta(m)
		switch kind {
		case kindCard:
			add(cards, m.Channel, p["alert_id"].(string))
		case kindChunk:
			for _, id := range p["alert_ids"].([]any) {
				add(lines, m.Channel, id.(string))
			}
		}
	}
	return cards, lines
}

// waitPosted waits until every id has a card or digest line in channel.
func (e *alertEnv) waitPosted(ctx context.Context, channel string, ids []string) *slackfake.Snapshot {
	e.t.Helper()
	snap, err := e.slack.WaitFor(ctx, func(s *slackfake.Snapshot) bool {
		cards, lines := countAlerts(s)
		for _, id := range ids {
			if cards[channel][id]+lines[channel][id] == 0 {
				return false
			}
		}
		return true
	})
	if err != nil {
		cards, lines := countAlerts(snap)
		e.t.Fatalf("not every alert was posted to %s: %d cards, %d lines of %d: %v", channel, len(cards[channel]), len(lines[channel]), len(ids), err)
	}
	return snap
}

// assertOnce checks that each id is shown exactly once in channel (a card or a digest line) and
// that nothing else is.
func assertOnce(t *testing.T, snap *slackfake.Snapshot, channel string, ids []string) {
	t.Helper()
	cards, lines := countAlerts(snap)
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
		if n := cards[channel][id] + lines[channel][id]; n != 1 {
			t.Errorf("alert %s shown %d times in %s", id, n, channel)
		}
	}
	var extra []string
	for _, s := range []seenAlerts{cards, lines} {
		for id := range s[channel] {
			if !want[id] {
				extra = append(extra, id)
			}
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("unexpected alerts in %s: %v", channel, extra)
	}
}

// killSwitch is a Slack transport that a test can cut like a kill -9: once killed, requests in
// flight are cancelled and new ones fail at once.
type killSwitch struct {
	base   http.RoundTripper
	killed chan struct{}
	once   sync.Once
	posts  atomic.Int64
	// after, when set, runs after every successful chat.postMessage with the count so far.
	after func(n int64)
}

func newKillSwitch() *killSwitch {
	return &killSwitch{base: http.DefaultTransport, killed: make(chan struct{})}
}

func (k *killSwitch) kill() { k.once.Do(func() { close(k.killed) }) }

func (k *killSwitch) RoundTrip(r *http.Request) (*http.Response, error) {
	select {
	case <-k.killed:
		return nil, errors.New("killed")
	default:
	}
	ctx, cancel := context.WithCancel(r.Context())
	go func() {
		select {
		case <-k.killed:
			cancel()
		case <-ctx.Done():
		}
	}()
	resp, err := k.base.RoundTrip(r.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	if r.URL.Path == "/api/chat.postMessage" && resp.StatusCode == http.StatusOK && k.after != nil {
		k.after(k.posts.Add(1))
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error { err := b.ReadCloser.Close(); b.cancel(); return err }

// cloneClient opens another client to the same server (a replica of its own).
func cloneClient(t *testing.T, srv storetest.Server) *redis.Client {
	t.Helper()
	c, ok := srv.Client.(*redis.Client)
	if !ok {
		t.Skip("a cluster client cannot be cloned here")
	}
	return redisClient(t, cloneOptions(c.Options()))
}

// cloneOptions copies what a client needs to reach the same server.
func cloneOptions(o *redis.Options) *redis.Options {
	return &redis.Options{Addr: o.Addr, Username: o.Username, Password: o.Password, DB: o.DB, TLSConfig: o.TLSConfig,
		DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
		DialerRetries: o.DialerRetries, ContextTimeoutEnabled: true}
}

// fastServers is storetest.Servers with the embedded server replaced by a miniredis that does
// not follow the wall clock: with the wall clock, miniredis sorts every key on every command,
// which makes storms of thousands of alerts take seconds there. The real Redis stays.
func fastServers(t testing.TB) []storetest.Server {
	t.Helper()
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	rdb := redisClient(t, &redis.Options{Addr: m.Addr(), DialTimeout: store.DefaultDialTimeout, ReadTimeout: store.DefaultReadTimeout,
		WriteTimeout: store.DefaultWriteTimeout, ContextTimeoutEnabled: true})
	return append([]storetest.Server{{Name: "miniredis", Client: rdb, Prefix: storetest.Prefix(t), FastForward: m.FastForward}},
		storetest.Servers(t)[1:]...)
}

// ids formats n alert ids for messages.
func idList(ids []string) string {
	if len(ids) > 5 {
		return fmt.Sprintf("%v … (%d)", ids[:5], len(ids))
	}
	return fmt.Sprint(ids)
}
