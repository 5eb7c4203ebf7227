package alerts

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"runtime/pprof"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/mdebot/mdebot/bot/slackpost"
	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/defender/defendertest"
	"github.com/mdebot/mdebot/store"
	"github.com/redis/go-redis/v9"
	"github.com/slack-go/slack"
)

// The storm benchmark runs the notifier in a process of its own (this test binary again, in
// TestStormBot), so that its memory figures are the bot's alone: the MDE, Entra and Slack
// fakes (which hold every alert, serialise whole pages and keep every message) stay in the
// benchmark's process. The two talk over the fakes' real sockets; the parent says when to
// poll on the child's stdin, and the child answers with one JSON line on stdout.
const stormChildEnv = "MDEBOT_STORM_BOT"

// stormHeapProfEnv names a file the bot process writes a heap profile to each time its live
// heap grows by 5% during the storm poll (the last one written is the peak's, give or take a
// collection); for finding what is live at the peak. The profiling itself adds to the figures.
const stormHeapProfEnv = "MDEBOT_STORM_HEAPPROF"

// stormChildConfig is what the bot process needs to reach the fakes and Redis.
type stormChildConfig struct {
	MDEURL, Authority, Scope, SlackURL, SlackToken, RedisAddr, Prefix, Routes string
	CAPEM                                                                     []byte
	RedisDB                                                                   int
}

// stormChildResult is what the bot process measured of the storm poll.
type stormChildResult struct {
	Start                      time.Time
	Cmds, Trips, MDECalls      int64
	IdleRSS, PeakRSS, PeakHeap uint64
	IdleLive, PeakLive         uint64
}

// startStormBot starts the bot process; it returns once the bot made its quiet poll. poll
// makes it poll once and returns what it measured; it is called once, and the process ends.
func startStormBot(b *testing.B, cfg stormChildConfig) (poll func() stormChildResult) {
	b.Helper()
	raw, err := json.Marshal(cfg)
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.CommandContext(b.Context(), os.Args[0], "-test.run=^TestStormBot$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), stormChildEnv+"="+string(raw))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	lines.Buffer(nil, 1<<20)
	next := func(prefix string) string {
		for lines.Scan() {
			if v, ok := cutPrefix(lines.Text(), prefix); ok {
				return v
			}
		}
		_ = cmd.Wait()
		b.Fatalf("the bot process ended before %q", prefix)
		return ""
	}
	next("STORM-READY")
	return func() stormChildResult {
		if _, err := io.WriteString(in, "poll\n"); err != nil {
			b.Fatal(err)
		}
		var res stormChildResult
		if err := json.Unmarshal([]byte(next("STORM-RESULT ")), &res); err != nil {
			b.Fatal(err)
		}
		_ = in.Close()
		_, _ = io.Copy(io.Discard, out)
		if err := cmd.Wait(); err != nil {
			b.Fatalf("bot process: %v", err)
		}
		return res
	}
}

func cutPrefix(s, p string) (string, bool) {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return "", false
}

// TestStormBot is the bot process of BenchmarkStorm; it skips when not started by it.
func TestStormBot(t *testing.T) {
	raw := os.Getenv(stormChildEnv)
	if raw == "" {
		t.Skip("the bot process of BenchmarkStorm")
	}
	if os.Getenv(stormHeapProfEnv) != "" {
		runtime.MemProfileRate = 4096
	}
	var cfg stormChildConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	p, rdb, cc := stormBot(t, cfg)
	st := store.New(rdb, cfg.Prefix)
	l, err := st.ObtainLeader(ctx, PollerName, p.Owner(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Release(context.WithoutCancel(ctx)) }()
	if err := p.PollOnce(ctx, l); err != nil { // the quiet poll: the watermark exists, the token too
		t.Fatal(err)
	}
	fmt.Println("STORM-READY")
	in := bufio.NewScanner(os.Stdin)
	if !in.Scan() {
		t.Fatal("no poll asked")
	}
	runtime.GC()
	debug.FreeOSMemory()
	res := stormChildResult{IdleRSS: procStatus("VmRSS"), IdleLive: liveHeap()}
	resetPeakRSS()
	before, trips, calls := cc.n.Load(), cc.trips.Load(), p.budget.calls.Load()
	stop := sampleHeap()
	res.Start = time.Now()
	if err := p.PollOnce(ctx, l); err != nil {
		t.Fatal(err)
	}
	res.PeakHeap, res.PeakLive = stop()
	res.PeakRSS = procStatus("VmHWM")
	res.Cmds, res.Trips = cc.n.Load()-before, cc.trips.Load()-trips
	if err := p.PollOnce(ctx, l); err != nil { // the poll after it
		t.Fatal(err)
	}
	res.MDECalls = p.budget.calls.Load() - calls
	line, _ := json.Marshal(res)
	fmt.Println("STORM-RESULT " + string(line))
}

// liveHeap is the heap the last garbage collection found live (runtime/metrics).
func liveHeap() uint64 {
	s := []rtmetrics.Sample{{Name: "/gc/heap/live:bytes"}}
	rtmetrics.Read(s)
	return s[0].Value.Uint64()
}

// sampleHeap samples, every 5 ms until stopped, the heap in use (HeapInuse: live data and
// garbage not collected yet) and the live heap of the last collection; it returns their peaks.
func sampleHeap() (stop func() (inuse, live uint64)) {
	var inuse, live uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			l := liveHeap()
			if prof := os.Getenv(stormHeapProfEnv); prof != "" && l > live+live/20 {
				if f, err := os.Create(prof); err == nil {
					_ = pprof.WriteHeapProfile(f)
					_ = f.Close()
				}
			}
			inuse, live = max(inuse, ms.HeapInuse), max(live, l)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() (uint64, uint64) { close(done); wg.Wait(); return inuse, live }
}

// stormBot builds the notifier as cmd/mdebot would, on the fakes' addresses.
func stormBot(t *testing.T, cfg stormChildConfig) (*Poller, *redis.Client, *commandCount) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(cfg.CAPEM) {
		t.Fatal("no CA certificate")
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	cred, err := azidentity.NewClientSecretCredential(defendertest.TenantID, defendertest.ClientID, defendertest.Secret,
		&azidentity.ClientSecretCredentialOptions{DisableInstanceDiscovery: true, ClientOptions: azcore.ClientOptions{
			Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: cfg.Authority}, Transport: hc}})
	if err != nil {
		t.Fatal(err)
	}
	mde, err := defender.New(cred, defender.WithBaseURL(cfg.MDEURL), defender.WithScope(cfg.Scope), defender.WithTransport(hc),
		defender.WithLimiter(defender.NewLimiter(defender.Unlimited())), defender.WithRetry(policy.RetryOptions{MaxRetries: 2}))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: cfg.RedisAddr, DB: cfg.RedisDB, DialTimeout: store.DefaultDialTimeout,
		ReadTimeout: store.DefaultReadTimeout, WriteTimeout: store.DefaultWriteTimeout, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = rdb.Close() })
	cc := &commandCount{}
	rdb.AddHook(cc)
	routes, err := commands.ParseRoutes(cfg.Routes)
	if err != nil {
		t.Fatal(err)
	}
	api := slack.New(cfg.SlackToken, slack.OptionAPIURL(cfg.SlackURL), slack.OptionHTTPClient(&http.Client{Timeout: 10 * time.Second}))
	p := NewPoller(mde, api, store.New(rdb, cfg.Prefix), Options{DefaultChannel: socChannel, PortalURL: "https://security.microsoft.com",
		MinSeverity: "Informational", Routes: routes, SlackPerSecond: 1, SlackBurst: 3, MDEPerMinute: 20,
		Sleep: slackpost.Sleep, Lookback: 24 * time.Hour})
	return p, rdb, cc
}
