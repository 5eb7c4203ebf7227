package alerts

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/defender/mdefake"
	"github.com/mdebot/mdebot/store/storetest"
	"github.com/redis/go-redis/v9"
)

// commandCount counts the Redis commands a client sends (n: one per command, each command of a
// pipeline counted on its own, a script call one command) and its round trips (trips: one per
// command sent alone or pipeline). A new connection's handshake (HELLO, CLIENT SETINFO) is not
// counted.
type commandCount struct{ n, trips atomic.Int64 }

func (c *commandCount) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *commandCount) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if n := handshakeFree(cmd); n > 0 {
			c.n.Add(n)
			c.trips.Add(1)
		}
		return next(ctx, cmd)
	}
}
func (c *commandCount) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if n := handshakeFree(cmds...); n > 0 {
			c.n.Add(n)
			c.trips.Add(1)
		}
		return next(ctx, cmds)
	}
}

func handshakeFree(cmds ...redis.Cmder) int64 {
	var n int64
	for _, c := range cmds {
		if name := c.Name(); name != "hello" && name != "client" {
			n++
		}
	}
	return n
}

// procStatus reads a "Vm..." figure of /proc/self/status, in bytes (0 when unreadable).
func procStatus(field string) uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// resetPeakRSS starts VmHWM again from the current RSS (Linux: "5" to clear_refs).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// stormServer is the real Redis when MDEBOT_TEST_REDIS_URL is set, else the embedded one.
func stormServer(b *testing.B) storetest.Server {
	srvs := fastServers(b)
	return srvs[len(srvs)-1]
}

// BenchmarkStorm sends a storm of 2,000 and of 10,000 new alerts through the notifier against
// the Slack fake keeping Slack's pace (one post a second per channel, bursts of 3, 429s with
// Retry-After), the MDE fake, and a real Redis (MDEBOT_TEST_REDIS_URL; the embedded one when
// unset). The alerts come from 300 devices and the routes test machine tags, so routing needs
// device facts. Each iteration is one poll after a quiet one (a watermark exists), then the
// poll after it. The notifier runs in a process of its own (see startStormBot), the fakes in
// the benchmark's, so the memory figures are the bot's alone. It reports:
//
//	reach-s           seconds from the poll's start until every alert is listed in Slack
//	slack-posts       chat.postMessage calls Slack accepted; slack-429s those it refused
//	redis-cmds/alert  Redis commands of the storm poll per alert (a pipeline's commands counted
//	                  one by one, a script call one command; connection handshakes left out)
//	redis-trips/alert round trips of the same (a pipeline or a lone command is one)
//	mde-calls         MDE requests of the storm poll and the poll after it
//	peak-heap-MB      the bot process's heap in use (live and not yet collected) at its peak
//	idle-live-MB, peak-live-MB   its live heap (runtime/metrics /gc/heap/live:bytes) before and
//	                  at its peak during the storm poll
//	idle-rss-MB, peak-rss-MB, rss-ratio   the bot process's RSS after a collection before the
//	                  storm (VmRSS) and at its peak during the storm poll (VmHWM)
//
// Run: go test -run '^$' -bench Storm -benchtime 1x ./bot/alerts/
func BenchmarkStorm(b *testing.B) {
	for _, n := range []int{2000, 10000} {
		srv := stormServer(b)
		b.Run(fmt.Sprintf("%d/%s", n, srv.Name), func(b *testing.B) {
			var reach, posts, refused, cmds, trips, calls, heap, live, idleLive, idle, peak, ratio float64
			for range b.N {
				r := runStorm(b, srv, n, 0)
				reach, posts, refused, cmds, trips, calls = max(reach, r.reach), r.posts, r.refused, r.cmdsPerAlert, r.tripsPerAlert, r.mdeCalls
				heap, live, idleLive = max(heap, r.heapMB), max(live, r.liveMB), r.idleLiveMB
				idle, peak, ratio = r.idleMB, max(peak, r.peakMB), max(ratio, r.peakMB/r.idleMB)
			}
			b.ReportMetric(reach, "reach-s")
			b.ReportMetric(posts, "slack-posts")
			b.ReportMetric(refused, "slack-429s")
			b.ReportMetric(cmds, "redis-cmds/alert")
			b.ReportMetric(trips, "redis-trips/alert")
			b.ReportMetric(calls, "mde-calls")
			b.ReportMetric(heap, "peak-heap-MB")
			b.ReportMetric(idleLive, "idle-live-MB")
			b.ReportMetric(live, "peak-live-MB")
			b.ReportMetric(idle, "idle-rss-MB")
			b.ReportMetric(peak, "peak-rss-MB")
			b.ReportMetric(ratio, "rss-ratio")
		})
	}
	// A steady trickle: a few new alerts a poll, each posted on its own.
	srv := stormServer(b)
	b.Run("trickle/"+srv.Name, func(b *testing.B) {
		var cmds, trips float64
		for range b.N {
			r := runStorm(b, srv, 0, 5)
			cmds, trips = max(cmds, r.cmdsPerAlert), max(trips, r.tripsPerAlert)
		}
		b.ReportMetric(cmds, "redis-cmds/alert")
		b.ReportMetric(trips, "redis-trips/alert")
	})
}

type stormResult struct {
	reach, posts, refused, cmdsPerAlert, tripsPerAlert, mdeCalls, heapMB, liveMB, idleLiveMB, idleMB, peakMB float64
}

// runStorm runs one storm of n alerts (or, n == 0, a poll of trickle new alerts) through the
// bot, run in a process of its own (see startStormBot).
func runStorm(b *testing.B, srv storetest.Server, n, trickle int) stormResult {
	b.StopTimer()
	srv.Prefix = storetest.Prefix(b)
	e := newAlertEnv(b, srv)
	e.slack = slackfake.New(b, slackfake.Options{PostsPerSecond: 1, PostBurst: 3})
	for i := range 300 {
		e.mde.Fake.AddMachine(mdefake.Machine{ComputerDNSName: fmt.Sprintf("ws%03d.contoso.com", i), OSPlatform: "Windows11",
			RBACGroupName: "Workstations", MachineTags: []string{"corp"}})
	}
	opts, ok := srv.Client.(*redis.Client)
	if !ok {
		b.Fatalf("the storm benchmark needs a single-node Redis, not %T", srv.Client)
	}
	defer cleanPrefix(b, srv.Client, srv.Prefix)
	f := e.mde.Fake
	poll := startStormBot(b, stormChildConfig{MDEURL: f.MDEURL(), Authority: f.AuthorityURL(), Scope: f.Scope(), CAPEM: f.CACertPEM(),
		SlackURL: e.slack.APIURL(), SlackToken: e.slack.BotToken(), RedisAddr: opts.Options().Addr, RedisDB: opts.Options().DB,
		Prefix: srv.Prefix, Routes: "tag=quarantine -> C0QUAR"})
	var want int
	if n > 0 {
		want = len(f.AddAlerts(n))
	} else {
		for i := range trickle {
			e.addAlert("High", fmt.Sprintf("trickle %d", i), int64(500+i)) // MDE gives nearly every alert an incident
		}
		want = trickle
	}
	b.StartTimer()
	r := poll()
	b.StopTimer()
	snap := e.slack.Snapshot()
	cards, lines := countAlerts(snap)
	if got := len(cards[socChannel]) + len(lines[socChannel]); got != want {
		b.Fatalf("%d of %d alerts listed in Slack", got, want)
	}
	var last time.Time
	for _, m := range snap.Messages {
		if kind, _ := msgMeta(m); kind == kindChunk || kind == kindCard {
			if t := tsTime(m.TS); t.After(last) {
				last = t
			}
		}
	}
	paced := e.slack.Paced()
	mb := func(v uint64) float64 { return float64(v) / (1 << 20) }
	return stormResult{reach: last.Sub(r.Start).Seconds(), posts: float64(snap.CallCounts["chat.postMessage"] - paced),
		refused: float64(paced), cmdsPerAlert: float64(r.Cmds) / float64(want), tripsPerAlert: float64(r.Trips) / float64(want),
		mdeCalls: float64(r.MDECalls), heapMB: mb(r.PeakHeap), liveMB: mb(r.PeakLive), idleLiveMB: mb(r.IdleLive),
		idleMB: mb(r.IdleRSS), peakMB: mb(r.PeakRSS)}
}

// tsTime is the time of a Slack message timestamp ("seconds.micros").
func tsTime(ts string) time.Time {
	sec, frac, _ := strings.Cut(ts, ".")
	s, _ := strconv.ParseInt(sec, 10, 64)
	us, _ := strconv.ParseInt(frac, 10, 64)
	return time.Unix(s, us*1000)
}
