// Package mdefake is an in-process fake of the Microsoft Defender for Endpoint (MDE) API, of
// Microsoft Graph's advanced hunting (runHuntingQuery) and of the Entra ID token endpoint. All are
// served over real HTTPS on 127.0.0.1 with certificates from
// a CA generated at Start, so the real azidentity credentials and an azcore pipeline can talk to
// them. The fake keeps a small tenant (machines, alerts, machine actions, indicators, files,
// users), checks bearer tokens and their roles as MDE does, moves machine actions through their
// states on its own clock, and can inject faults (status codes, Retry-After, latency). It is used
// by tests and by `mdebot demo`.
package mdefake

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// DefaultAudience is the token audience of the commercial MDE API.
const DefaultAudience = "https://api.securitycenter.microsoft.com"

// MaxPageSize is the largest $top MDE accepts, and the default page size.
const MaxPageSize = 10000

// ErrNotFound is returned by methods given an unknown id.
var ErrNotFound = errors.New("not found")

// Options configures a Fake. The zero value is usable.
type Options struct {
	// Audience is the token audience the token endpoint issues and the API accepts; the token
	// scope must be Audience + "/.default". Default DefaultAudience.
	Audience string
	// PageSize is the number of items a collection returns when the request has no $top.
	// Default MaxPageSize.
	PageSize int
	// Now is the start of the fake's clock. Default: the wall clock, truncated to seconds.
	Now time.Time
	// NextLinkHost, when set (e.g. "https://evil.example.com"), replaces the scheme and host of
	// every @odata.nextLink, so tests can check that a client refuses to follow it.
	NextLinkHost string
	// Logger receives one debug record per request. Default: discard.
	Logger *slog.Logger
	// NoQuota turns off MDE's documented per-API rate limits (100 calls a minute and 1,500 an
	// hour for most APIs), which the fake enforces on the wall clock with 429 and Retry-After.
	// Load tests and benchmarks that measure the bot rather than the quota set it.
	NoQuota bool
}

// Fake is a running fake of MDE and Entra. All methods are safe for concurrent use.
type Fake struct {
	audience string
	pageSize int
	logger   *slog.Logger

	caPEM   []byte
	pool    *x509.CertPool
	client  *http.Client
	entra   *httptest.Server
	mde     *httptest.Server
	graph   *httptest.Server
	signKey *rsa.PrivateKey
	keyID   string
	sasKey  []byte
	routes  []route

	closing   chan struct{}
	closeOnce sync.Once

	mu           sync.Mutex
	now          time.Time
	seq          int64
	apps         map[string]*App
	tokenGrants  int
	alerts       []Alert
	alertIdx     map[string]int
	machines     []Machine
	machineIdx   map[string]int
	logonUsers   map[string][]User
	actions      []actionRec
	actionIdx    map[string]int
	timeline     [2]time.Duration
	outcomes     map[outcomeKey]string
	indicators   []Indicator
	indicatorSeq int
	files        []File
	hunting      HuntingFunc
	huntingRows  HuntingRowsFunc
	faults       []*faultEntry
	faultSeq     int
	requests     []Request
	nextLinkHost string
	noQuota      bool
	quota        map[string][]time.Time
	listLag      time.Duration
	spelling     DeterminationSpelling
}

// Start generates a CA and starts the Entra and MDE servers on 127.0.0.1.
func Start(opts Options) (*Fake, error) {
	if opts.PageSize < 0 {
		return nil, fmt.Errorf("start mdefake: negative page size %d", opts.PageSize)
	}
	f := &Fake{
		audience:     opts.Audience,
		pageSize:     opts.PageSize,
		logger:       opts.Logger,
		closing:      make(chan struct{}),
		now:          opts.Now.UTC(),
		apps:         map[string]*App{},
		alertIdx:     map[string]int{},
		machineIdx:   map[string]int{},
		logonUsers:   map[string][]User{},
		actionIdx:    map[string]int{},
		timeline:     [2]time.Duration{10 * time.Second, 20 * time.Second},
		outcomes:     map[outcomeKey]string{},
		nextLinkHost: opts.NextLinkHost,
		noQuota:      opts.NoQuota,
		quota:        map[string][]time.Time{},
	}
	if f.audience == "" {
		f.audience = DefaultAudience
	}
	if f.pageSize == 0 {
		f.pageSize = MaxPageSize
	}
	if f.logger == nil {
		f.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Now.IsZero() {
		f.now = time.Now().UTC().Truncate(time.Second)
	}
	mat, err := newTLSMaterial()
	if err != nil {
		return nil, fmt.Errorf("start mdefake: %w", err)
	}
	f.caPEM, f.pool = mat.caPEM, mat.pool
	f.client = newHTTPClient(mat.pool)
	if f.signKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return nil, fmt.Errorf("start mdefake: signing key: %w", err)
	}
	f.keyID = thumbprintSHA1(f.signKey.PublicKey.N.Bytes())
	f.sasKey = make([]byte, 32)
	_, _ = rand.Read(f.sasKey)
	f.routes = mdeRoutes()
	f.entra = f.startServer(http.HandlerFunc(f.serveEntra), mat.leaf)
	f.mde = f.startServer(http.HandlerFunc(f.serveMDE), mat.leaf)
	f.graph = f.startServer(http.HandlerFunc(f.serveGraph), mat.leaf)
	return f, nil
}

// New starts a Fake for a test and closes it when the test ends.
func New(t testing.TB, opts Options) *Fake {
	t.Helper()
	f, err := Start(opts)
	if err != nil {
		t.Fatalf("mdefake.New: %v", err)
	}
	t.Cleanup(f.Close)
	return f
}

// Close stops the servers. Requests held by a latency fault return at once.
func (f *Fake) Close() {
	f.closeOnce.Do(func() {
		close(f.closing)
		f.entra.Close()
		f.mde.Close()
		f.graph.Close()
		f.client.CloseIdleConnections()
	})
}

// CACertPEM returns the PEM encoding of the CA that signed both servers' certificates.
func (f *Fake) CACertPEM() []byte { return append([]byte{}, f.caPEM...) }

// CertPool returns a pool holding only the fake's CA.
func (f *Fake) CertPool() *x509.CertPool { return f.pool.Clone() }

// HTTPClient returns a client that trusts only the fake's CA. It is shared; do not modify it.
func (f *Fake) HTTPClient() *http.Client { return f.client }

// MDEURL returns the base URL of the MDE API, e.g. https://127.0.0.1:port, without a trailing slash.
func (f *Fake) MDEURL() string { return f.mde.URL }

// AuthorityURL returns the Entra authority host with a trailing slash, for
// cloud.Configuration.ActiveDirectoryAuthorityHost.
func (f *Fake) AuthorityURL() string { return f.entra.URL + "/" }

// Audience returns the token audience; the token scope is Audience() + "/.default".
func (f *Fake) Audience() string { return f.audience }

// Scope returns the token scope clients must ask for.
func (f *Fake) Scope() string { return f.audience + "/.default" }

// Now returns the fake's clock.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Advance moves the fake's clock forward by d. Machine actions progress on the next read.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

// SetNow sets the fake's clock.
func (f *Fake) SetNow(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = t.UTC()
}

// SetNextLinkHost makes every later @odata.nextLink use host (e.g. "https://evil.example.com")
// instead of the host the request came to; "" restores the default.
func (f *Fake) SetNextLinkHost(host string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextLinkHost = host
}

// AllRoles returns every application permission the fake knows, for an app allowed to do anything.
func AllRoles() []string {
	return []string{
		"Alert.Read.All", "Alert.ReadWrite.All", "Machine.Read.All", "Machine.ReadWrite.All",
		"Machine.Isolate", "Machine.Scan", "Machine.RestrictExecution", "Machine.CollectForensics",
		"Machine.StopAndQuarantine", "Machine.Offboard", "Machine.LiveResponse", "Ti.ReadWrite",
		"Ti.ReadWrite.All", "AdvancedQuery.Read.All", "File.Read.All", "Ip.Read.All", "URL.Read.All",
		"User.Read.All",
	}
}
