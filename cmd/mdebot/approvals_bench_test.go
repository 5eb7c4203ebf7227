package main

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// postSignal is an MDE transport that reports when a response action's POST leaves the bot.
type postSignal struct {
	next policy.Transporter
	sent chan time.Time
}

func (p *postSignal) Do(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/isolate") {
		select {
		case p.sent <- time.Now():
		default:
		}
	}
	return p.next.Do(r)
}

// BenchmarkClickToMDECall measures an approver's click, from the moment the Slack fake sends the
// envelope to the moment the isolate POST leaves for MDE: the socket, the ack, the worker, the
// role check, the Redis vote and execution claim, the audit write and MDE's pending-action
// look-up, over real sockets against the fakes. It reports p50 and p99.
func BenchmarkClickToMDECall(b *testing.B) {
	sig := &postSignal{sent: make(chan time.Time, 1)}
	s := startApprovals(b, apOptions{transport: func(next policy.Transporter) policy.Transporter { sig.next = next; return sig }})
	var lat []time.Duration
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		c := s.request(b, resp, "isolate laptop-alice.contoso.com benchmark")
		b.StartTimer()
		start := time.Now()
		s.click(b, lead, c, "mde_approve", "")
		select {
		case at := <-sig.sent:
			lat = append(lat, at.Sub(start))
		case <-time.After(20 * time.Second):
			b.Fatal("no isolate call within 20 s")
		}
		b.StopTimer()
		s.waitCard(b, c, "Defender action")
		s.mde.Fake.Advance(time.Minute) // the action finishes, so the next isolate is not already pending
		b.StartTimer()
	}
	b.StopTimer()
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
