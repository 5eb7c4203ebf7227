package alerts

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/store"
	"github.com/mdebot/mdebot/store/storetest"
)

// haOpts are leader-election settings short enough for a test: a new leader within two lock
// periods means within 1.6 s.
func haOpts() Options {
	return Options{LockTTL: 800 * time.Millisecond, Lease: 800 * time.Millisecond, Grace: 200 * time.Millisecond,
		Interval: 40 * time.Millisecond, StormThreshold: -1}
}

// runPoller runs p until the returned stop is called (or the test ends).
func runPoller(t *testing.T, p *Poller) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { _ = p.Run(ctx); close(done) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

// Three replicas sharing Redis post every alert exactly once, while alerts keep coming.
func TestAlertThreeReplicasPostEachAlertOnce(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			e := newAlertEnv(t, srv)
			var ids []string
			for i := range 15 {
				ids = append(ids, e.addAlert("Medium", fmt.Sprintf("wave 1 #%d", i), int64(100+i%4)))
			}
			var owners []string
			for range 3 {
				p, _ := e.newPoller(pollerCfg{opts: haOpts(), rdb: cloneClient(t, srv)})
				owners = append(owners, p.Owner())
				runPoller(t, p)
			}
			e.waitPosted(t.Context(), socChannel, ids)
			for wave := 2; wave <= 4; wave++ {
				e.mde.Fake.Advance(time.Second)
				for i := range 10 {
					ids = append(ids, e.addAlert("High", fmt.Sprintf("wave %d #%d", wave, i), int64(100+i%4)))
				}
				e.waitPosted(t.Context(), socChannel, ids)
			}
			assertOnce(t, e.slack.Snapshot(), socChannel, ids)
		})
	}
}

// kill -9 of the leader in the middle of a batch: its lock and claims stay behind in Redis and
// its last post was never recorded. Another replica takes over within two lock periods, finds
// that post in Slack, and posts the rest: every alert exactly once.
func TestAlertLeaderKilledMidBatch(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			e := newAlertEnv(t, srv)
			var ids []string
			for i := range 40 {
				ids = append(ids, e.addAlert("Medium", fmt.Sprintf("alert %d", i), 0))
			}
			rdbA := cloneClient(t, srv)
			ks := newKillSwitch()
			var killedAt time.Time
			killed := make(chan struct{})
			ks.after = func(n int64) {
				if n == 8 {
					// Slack has just answered the 8th post; the poller will never hear it.
					killedAt = time.Now()
					ks.kill()
					_ = rdbA.Close()
					close(killed)
				}
			}
			optsA := haOpts()
			optsA.SlackPerSecond = 200 // slow enough that the kill lands mid-batch
			a, _ := e.newPoller(pollerCfg{opts: optsA, transport: ks, rdb: rdbA})
			runPoller(t, a)
			<-killed
			b, _ := e.newPoller(pollerCfg{opts: haOpts(), rdb: cloneClient(t, srv)})
			runPoller(t, b)
			before := len(e.slack.Snapshot().Messages)
			snap, err := e.slack.WaitFor(t.Context(), func(s *slackfake.Snapshot) bool { return len(s.Messages) > before })
			if err != nil {
				t.Fatal(err)
			}
			if took := time.Since(killedAt); took > 2*haOpts().LockTTL+time.Second {
				t.Errorf("the next post came %s after the kill", took)
			}
			snap = e.waitPosted(t.Context(), socChannel, ids)
			assertOnce(t, snap, socChannel, ids)
			if snap.Calls("conversations.history") == 0 {
				t.Error("the new leader did not look for the posts the old one left unrecorded")
			}
		})
	}
}

// 2,000 alerts in one poll become one digest whose thread lists every alert exactly once; later
// changes of a few get their own message in the thread, a storm of changes one summary.
func TestAlertStormBecomesDigest(t *testing.T) {
	t.Parallel()
	for _, srv := range fastServers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			e := newAlertEnv(t, srv)
			ids := e.mde.Fake.AddAlerts(2000)
			p, st := e.newPoller(pollerCfg{opts: Options{MinSeverity: "Informational"}})
			mustPoll(t, p, st)
			snap := e.slack.Snapshot()
			assertOnce(t, snap, socChannel, ids)
			digests, chunks := 0, 0
			for _, m := range snap.Messages {
				switch kind, _ := msgMeta(m); kind {
				case kindDigest:
					digests++
				case kindChunk:
					chunks++
				}
			}
			if digests != 1 || chunks < 2 || chunks > 2000/250 || len(snap.Messages) != 1+chunks {
				t.Fatalf("%d digests, %d chunks, %d messages", digests, chunks, len(snap.Messages))
			}

			for _, id := range ids[:3] {
				_ = e.mde.Fake.UpdateAlert(id, func(a *mdefakeAlert) { a.Status = "Resolved"; a.Classification = "FalsePositive" })
			}
			mustPoll(t, p, st)
			cards, _ := countAlerts(e.slack.Snapshot())
			if len(cards[socChannel]) != 3 {
				t.Fatalf("%d cards after 3 changes", len(cards[socChannel]))
			}
			for _, id := range ids[3:40] {
				_ = e.mde.Fake.UpdateAlert(id, func(a *mdefakeAlert) { a.AssignedTo = "bob@contoso.com" })
			}
			n := len(e.slack.Snapshot().Messages)
			mustPoll(t, p, st)
			snap = e.slack.Snapshot()
			if len(snap.Messages) != n+1 {
				t.Fatalf("a storm of 37 changes posted %d messages, want one summary", len(snap.Messages)-n)
			}
			if kind, _ := msgMeta(snap.Messages[n]); kind != kindChanges {
				t.Fatalf("the storm of changes posted a %q", kind)
			}
			mustPoll(t, p, st)
			if len(e.slack.Snapshot().Messages) != n+1 {
				t.Fatal("the changes were not recorded")
			}
		})
	}
}

// MDE throttling (429 with Retry-After) and outages (503) fail a poll without losing anything;
// Slack's 429s are waited out for as long as Slack asks.
func TestAlertThrottlingLosesNothing(t *testing.T) {
	t.Parallel()
	e := newAlertEnv(t, storetest.Servers(t)[0])
	var mu sync.Mutex
	var waits []time.Duration
	p, st := e.newPoller(pollerCfg{opts: Options{Sleep: func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		waits = append(waits, d)
		mu.Unlock()
		return ctx.Err()
	}}})
	var ids []string
	for i := range 5 {
		ids = append(ids, e.addAlert("High", fmt.Sprintf("alert %d", i), 0))
	}
	l, err := st.ObtainLeader(t.Context(), PollerName, p.Owner(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, status := range []int{429, 503} {
		remove := e.mde.Fake.Inject(mdefakeFault(status))
		if err := p.PollOnce(t.Context(), l); err == nil {
			t.Fatalf("a poll through MDE %d succeeded", status)
		}
		remove()
		if n := len(e.slack.Snapshot().Messages); n != 0 {
			t.Fatalf("%d messages after a failed poll", n)
		}
		if _, err := st.AlertWatermark(t.Context(), PollerName); err == nil {
			t.Fatal("a failed poll moved the watermark")
		}
	}
	if st := e.mde.Client.Limiter().Stats(); st.Throttled == 0 || st.PausedUntil.IsZero() {
		t.Errorf("MDE's 429 did not pause the client: %+v", st)
	}
	e.slack.RateLimit("chat.postMessage", 2*time.Second, 3)
	if err := p.PollOnce(t.Context(), l); err != nil {
		t.Fatal(err)
	}
	assertOnce(t, e.slack.Snapshot(), socChannel, ids)
	mu.Lock()
	defer mu.Unlock()
	if len(waits) != 3 || waits[0] != 2*time.Second {
		t.Errorf("Slack 429 waits %v, want three of 2s", waits)
	}
	last, _, _ := st.PollStatus(t.Context(), PollerName)
	if last.Posted != 5 {
		t.Errorf("posted %d", last.Posted)
	}
}

// A Redis restart in the middle of a poll loses nothing: posts Slack accepted while Redis was
// down are recorded once it is back, and posted only once.
func TestAlertRedisRestartMidPoll(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			e := newAlertEnv(t, srv)
			opts := cloneOptions(cloneClient(t, srv).Options())
			proxy := newTCPProxy(t, opts.Addr)
			opts.Addr = proxy.addr()
			opts.MaxRetries = -1
			rdb := redisClient(t, opts)
			var ids []string
			for i := range 12 {
				ids = append(ids, e.addAlert("Medium", fmt.Sprintf("alert %d", i), 0))
			}
			ks := newKillSwitch()
			ks.after = func(n int64) {
				if n == 3 {
					proxy.down()
				}
			}
			p, st := e.newPoller(pollerCfg{opts: Options{StormThreshold: -1, ConfirmEvery: 2}, transport: ks, rdb: rdb})
			l, err := st.ObtainLeader(t.Context(), PollerName, p.Owner(), time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			_ = p.PollOnce(t.Context(), l) // fails to record; the posts are kept in memory
			p.mu.Lock()
			kept := len(p.unconfirmed)
			p.mu.Unlock()
			if kept == 0 {
				t.Fatal("no post was waiting for Redis: the outage came too late")
			}
			if err := p.PollOnce(t.Context(), l); err == nil {
				t.Fatal("a poll with Redis down succeeded")
			}
			proxy.up()
			for range 2 {
				if err := p.PollOnce(t.Context(), l); err != nil {
					t.Fatal(err)
				}
			}
			snap := e.slack.Snapshot()
			assertOnce(t, snap, socChannel, ids)
			if n := snap.Calls("chat.postMessage"); n != len(ids) {
				t.Errorf("%d posts for %d alerts", n, len(ids))
			}
			wm, err := store.New(srv.Client, srv.Prefix).AlertWatermark(t.Context(), PollerName)
			if err != nil || wm.IsZero() {
				t.Fatalf("watermark %v, %v", wm, err)
			}
		})
	}
}

// Two leaders overlapping (a stale one that has not noticed yet, and the new one) post every
// alert once, and the stale one's watermark is fenced out.
func TestAlertOverlappingLeadersPostOnce(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			e := newAlertEnv(t, srv)
			var ids []string
			for i := range 30 {
				ids = append(ids, e.addAlert("Medium", fmt.Sprintf("alert %d", i), int64(i%3)))
			}
			a, sta := e.newPoller(pollerCfg{opts: Options{StormThreshold: -1}, rdb: cloneClient(t, srv)})
			b, stb := e.newPoller(pollerCfg{opts: Options{StormThreshold: -1}, rdb: cloneClient(t, srv)})
			la, err := sta.ObtainLeader(t.Context(), PollerName, a.Owner(), time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if err := la.Release(t.Context()); err != nil { // as if it expired during a pause
				t.Fatal(err)
			}
			lb, err := stb.ObtainLeader(t.Context(), PollerName, b.Owner(), time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			errs := make(chan error, 2)
			go func() { errs <- a.PollOnce(t.Context(), la) }()
			go func() { errs <- b.PollOnce(t.Context(), lb) }()
			errA, errB := <-errs, <-errs
			if errA == nil && errB == nil {
				t.Error("the stale leader's poll was not fenced out")
			}
			if err := b.PollOnce(t.Context(), lb); err != nil {
				t.Fatal(err)
			}
			assertOnce(t, e.slack.Snapshot(), socChannel, ids)
		})
	}
}
