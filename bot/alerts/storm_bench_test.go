package alerts

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/bot/slackpost"
	"github.com/mdebot/mdebot/commands"
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
// poll after it. It reports:
//
//	reach-s          seconds from the poll's start until every alert is listed in Slack
//	slack-posts      chat.postMessage calls Slack accepted; slack-429s those it refused
//	redis-cmds/alert Redis commands (a pipeline's commands counted one by one) of the storm poll
//	mde-calls        MDE requests of the storm poll and the poll after it
//	peak-heap-MB     heap in use at its peak during the storm poll
//	idle-rss-MB, peak-rss-MB, rss-ratio   the process's RSS before the storm and at its peak
//	                 (the fakes run in the same process and are counted too)
//
// Run: go test -run '^$' -bench Storm -benchtime 1x ./bot/alerts/
func BenchmarkStorm(b *testing.B) {
	for _, n := range []int{2000, 10000} {
		srv := stormServer(b)
		b.Run(fmt.Sprintf("%d/%s", n, srv.Name), func(b *testing.B) {
			var reach, posts, refused, cmds, calls, heap, idle, peak, ratio float64
			for range b.N {
				r := runStorm(b, srv, n, 0)
				reach, posts, refused, cmds, calls = max(reach, r.reach), r.posts, r.refused, r.cmdsPerAlert, r.mdeCalls
				heap, idle, peak, ratio = max(heap, r.heapMB), r.idleMB, max(peak, r.peakMB), max(ratio, r.peakMB/r.idleMB)
			}
			b.ReportMetric(reach, "reach-s")
			b.ReportMetric(posts, "slack-posts")
			b.ReportMetric(refused, "slack-429s")
			b.ReportMetric(cmds, "redis-cmds/alert")
			b.ReportMetric(calls, "mde-calls")
			b.ReportMetric(heap, "peak-heap-MB")
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
	reach, posts, refused, cmdsPerAlert, tripsPerAlert, mdeCalls, heapMB, idleMB, peakMB float64
}

// runStorm runs one storm of n alerts (or, n == 0, a poll of trickle new alerts).
func runStorm(b *testing.B, srv storetest.Server, n, trickle int) stormResult {
	b.StopTimer()
	srv.Prefix = storetest.Prefix(b)
	e := newAlertEnv(b, srv)
	e.slack = slackfake.New(b, slackfake.Options{PostsPerSecond: 1, PostBurst: 3})
	for i := range 300 {
		e.mde.Fake.AddMachine(mdefake.Machine{ComputerDNSName: fmt.Sprintf("ws%03d.contoso.com", i), OSPlatform: "Windows11",
			RBACGroupName: "Workstations", MachineTags: []string{"corp"}})
	}
	routes, err := commands.ParseRoutes("tag=quarantine -> C0QUAR")
	if err != nil {
		b.Fatal(err)
	}
	var cc commandCount
	srv.Client.AddHook(&cc)
	p, st := e.newPoller(pollerCfg{opts: Options{MinSeverity: "Informational", Routes: routes, SlackPerSecond: 1, SlackBurst: 3,
		MDEPerMinute: 20, Sleep: slackpost.Sleep}})
	l, err := st.ObtainLeader(b.Context(), PollerName, p.Owner(), time.Minute)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = l.Release(context.WithoutCancel(b.Context())); cleanPrefix(b, srv.Client, srv.Prefix) }()
	if err := p.PollOnce(b.Context(), l); err != nil { // the quiet poll: the watermark exists
		b.Fatal(err)
	}
	var want int
	if n > 0 {
		want = len(e.mde.Fake.AddAlerts(n))
	} else {
		for i := range trickle {
			e.addAlert("High", fmt.Sprintf("trickle %d", i), int64(500+i)) // MDE gives nearly every alert an incident
		}
		want = trickle
	}
	runtime.GC()
	debug.FreeOSMemory()
	idle := procStatus("VmRSS")
	resetPeakRSS()
	before, tripsBefore, callsBefore := cc.n.Load(), cc.trips.Load(), p.budget.calls.Load()
	stop := peakHeap()
	start := time.Now()
	b.StartTimer()
	if err := p.PollOnce(b.Context(), l); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	heap := stop()
	peak := procStatus("VmHWM")
	cmds, trips := cc.n.Load()-before, cc.trips.Load()-tripsBefore
	if err := p.PollOnce(b.Context(), l); err != nil { // the poll after it
		b.Fatal(err)
	}
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
	return stormResult{reach: last.Sub(start).Seconds(), posts: float64(snap.CallCounts["chat.postMessage"] - paced),
		refused: float64(paced), cmdsPerAlert: float64(cmds) / float64(want),
		tripsPerAlert: float64(trips) / float64(want), mdeCalls: float64(p.budget.calls.Load() - callsBefore),
		heapMB: float64(heap) / (1 << 20), idleMB: float64(idle) / (1 << 20), peakMB: float64(peak) / (1 << 20)}
}

// tsTime is the time of a Slack message timestamp ("seconds.micros").
func tsTime(ts string) time.Time {
	sec, frac, _ := strings.Cut(ts, ".")
	s, _ := strconv.ParseInt(sec, 10, 64)
	us, _ := strconv.ParseInt(frac, 10, 64)
	return time.Unix(s, us*1000)
}
