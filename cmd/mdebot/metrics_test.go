package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/defender"
	dto "github.com/prometheus/client_model/go"
)

// A short run over the real wiring (commands, an approval followed to Succeeded, alerts posted,
// a Slack 429), then one scrape of /metrics: every family is there with the values the run
// implies, and no label carries an id.
func TestMetricsEndToEnd(t *testing.T) {
	t.Parallel()
	start := time.Now()
	s := startApprovals(t, apOptions{limits: defender.DefaultLimits(), env: map[string]string{
		"MDEBOT_ALERT_CHANNEL": "C0ALERTS", "MDEBOT_ALERT_LOOKBACK": "720h", "MDEBOT_ALERT_MIN_SEVERITY": "Informational",
	}})
	s.wait(t, "an alert message", func(sn *slackfake.Snapshot) bool {
		for _, m := range sn.Messages {
			if m.Channel == "C0ALERTS" {
				return true
			}
		}
		return false
	})
	if reply := s.ask(t, watcher, "machines"); !strings.Contains(reply, "devices") {
		t.Errorf("machines: %q", reply)
	}
	s.ask(t, watcher, "frobnicate")
	s.ask(t, watcher, "isolate laptop-alice.contoso.com beacon")
	s.slack.RateLimit("chat.postMessage", time.Millisecond, 1) // the card's post is throttled once
	c := s.request(t, resp, "isolate laptop-alice.contoso.com ransomware beacon")
	s.clock.Advance(2 * time.Minute) // the approver takes two minutes
	s.click(t, lead, c, "mde_approve", "")
	s.waitCard(t, c, "Defender action")
	for _, d := range []time.Duration{15 * time.Second, 20 * time.Second} {
		s.mde.Fake.Advance(d)
		s.clock.Advance(d)
		s.sweep(t)
	}
	s.waitCard(t, c, "✅ Done")

	fams := scrapeUntil(t, "http://"+s.apps[0].httpLn.Addr().String()+"/metrics", func(f map[string]*dto.MetricFamily) bool {
		// The poller's first poll ends (and is counted) after its messages are posted.
		return quietValue(f, "mdebot_alert_polls_total", "result", "ok") >= 1
	})
	v := func(name string, labels ...string) float64 { t.Helper(); return metricValue(t, fams, name, labels...) }
	atLeast := func(what string, got, want float64) {
		t.Helper()
		if got < want {
			t.Errorf("%s = %v, want at least %v", what, got, want)
		}
	}
	equal := func(what string, got, want float64) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	// Commands, and the time to ack each envelope (Slack allows 3 s).
	atLeast("machines ok", v("mdebot_commands_total", "verb", "machines", "outcome", "ok"), 1)
	equal("unknown verb", v("mdebot_commands_total", "verb", "unknown", "outcome", "unknown_verb"), 1)
	equal("isolate forbidden", v("mdebot_commands_total", "verb", "isolate", "outcome", "forbidden"), 1)
	equal("isolate approval", v("mdebot_commands_total", "verb", "isolate", "outcome", "approval"), 1)
	acks := v("mdebot_socket_ack_seconds", "type", "slash_commands")
	atLeast("slash command acks", acks, 4)
	atLeast("interactive acks", v("mdebot_socket_ack_seconds", "type", "interactive"), 1)
	if sum := histogramSum(t, fams, "mdebot_socket_ack_seconds", "type", "slash_commands"); sum/acks >= 1 {
		t.Errorf("acks took %v s on average", sum/acks)
	}
	// MDE: requests by family and class, waits and 429s (none), budgets left.
	atLeast("machines 2xx", v("mdebot_api_requests_total", "api", "mde", "family", "machines", "code", "2xx"), 1)
	atLeast("alerts 2xx", v("mdebot_api_requests_total", "api", "mde", "family", "alerts", "code", "2xx"), 1)
	atLeast("machine actions 2xx", v("mdebot_api_requests_total", "api", "mde", "family", "machine_actions", "code", "2xx"), 2)
	equal("throttled", v("mdebot_api_throttled_total", "api", "mde", "family", "machine_actions"), 0)
	equal("waits", v("mdebot_api_rate_limit_waits_total", "api", "mde", "family", "alerts"), 0)
	equal("wait seconds", v("mdebot_api_rate_limit_wait_seconds_total", "api", "mde", "family", "alerts"), 0)
	for _, w := range []struct {
		window string
		max    float64
	}{{"1m", 100}, {"1h", 1500}} {
		left := v("mdebot_api_budget_remaining", "api", "mde", "family", "machine_actions", "window", w.window)
		if left <= 0 || left > w.max {
			t.Errorf("machine actions budget left in %s = %v, want in (0, %v]", w.window, left, w.max)
		}
	}
	// The alert poller: it leads, polled, posted; its watermark lags a little.
	equal("leader", v("mdebot_alert_poller_leader"), 1)
	atLeast("ok polls", v("mdebot_alert_polls_total", "result", "ok"), 1)
	atLeast("poll durations", v("mdebot_alert_poll_duration_seconds"), 1)
	posted := v("mdebot_alert_poll_alerts_total", "outcome", "posted")
	atLeast("alerts posted", posted, 1)
	atLeast("alerts seen", v("mdebot_alert_poll_alerts_total", "outcome", "seen"), posted)
	for _, o := range []string{"digested", "updated", "muted", "held"} {
		equal("alerts "+o, v("mdebot_alert_poll_alerts_total", "outcome", o), 0)
	}
	if lag := v("mdebot_alert_watermark_lag_seconds"); lag < 0 || lag > (720*time.Hour).Seconds() {
		t.Errorf("watermark lag %v s", lag)
	}
	atLeast("last good poll", v("mdebot_alert_last_successful_poll_timestamp_seconds"), float64(start.Unix()))
	// The approval: requested, approved after two minutes, run once, followed to Succeeded.
	for _, st := range []string{"pending", "approved", "executing", "done"} {
		equal("approvals "+st, v("mdebot_approvals_total", "state", st), 1)
	}
	equal("approvals denied", v("mdebot_approvals_total", "state", "denied"), 0)
	equal("decisions", v("mdebot_approval_decision_seconds", "decision", "approved"), 1)
	equal("decision time", histogramSum(t, fams, "mdebot_approval_decision_seconds", "decision", "approved"), 120)
	equal("executions", v("mdebot_executions_total", "verb", "isolate", "outcome", "accepted"), 1)
	equal("action results", v("mdebot_action_results_total", "verb", "isolate", "status", "succeeded"), 1)
	// Slack: calls by method and error, the one 429.
	atLeast("chat.postMessage", v("mdebot_slack_requests_total", "method", "chat.postMessage", "error", "none"), 2)
	equal("chat.postMessage 429", v("mdebot_slack_requests_total", "method", "chat.postMessage", "error", "ratelimited"), 1)
	equal("slack 429s", v("mdebot_slack_rate_limited_total", "method", "chat.postMessage"), 1)
	atLeast("apps.connections.open", v("mdebot_slack_requests_total", "method", "apps.connections.open", "error", "none"), 1)
	// Redis, leadership, lanes, the Go and process collectors.
	for _, k := range []string{"timeout", "network", "reply", "other"} {
		equal("redis errors "+k, v("mdebot_redis_errors_total", "kind", k), 0)
	}
	for lane, size := range map[string][2]float64{"interactive": {256, 8}, "lookups": {512, 16}, "slow": {32, 4}} {
		equal(lane+" queue depth", v("mdebot_queue_depth", "lane", lane), 0)
		equal(lane+" queue capacity", v("mdebot_queue_capacity", "lane", lane), size[0])
		equal(lane+" workers", v("mdebot_workers", "lane", lane), size[1])
		if busy := v("mdebot_workers_busy", "lane", lane); busy < 0 || busy > size[1] {
			t.Errorf("%s workers busy = %v", lane, busy)
		}
		equal(lane+" rejected", v("mdebot_queue_rejected_total", "lane", lane), 0)
	}
	atLeast("goroutines", v("go_goroutines"), 10)
	atLeast("process start", v("process_start_time_seconds"), 1)

	t.Run("the README lists every family", func(t *testing.T) {
		raw, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
		if err != nil {
			t.Fatal(err)
		}
		readme := string(raw)
		readme = readme[strings.Index(readme, "## Metrics"):]
		readme = readme[:strings.Index(readme[3:], "\n## ")+3]
		for name := range fams {
			if strings.HasPrefix(name, "mdebot_") && !strings.Contains(readme, "| `"+name+"` |") {
				t.Errorf("the README's Metrics section lacks %s", name)
			}
		}
	})
	t.Run("no label carries an id", func(t *testing.T) {
		ids := []string{resp, lead, lead2, boss, watcher, cardChan, auditCh, "C0ALERTS", "C0SOC", c.id, c.ts}
		for _, a := range s.mde.Fake.Alerts() {
			ids = append(ids, a.ID, a.MachineID)
		}
		for _, m := range s.mde.Fake.Machines() {
			ids = append(ids, m.ID, m.ComputerDNSName)
		}
		for _, a := range s.mde.Fake.Actions() {
			ids = append(ids, a.ID)
		}
		for _, e := range s.slack.Acks() {
			ids = append(ids, e.EnvelopeID)
		}
		for _, p := range labelProblems(fams, ids) {
			t.Error(p)
		}
	})
}
