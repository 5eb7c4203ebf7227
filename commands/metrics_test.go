package commands

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// The router counts each command once by verb and outcome; text that names no verb is counted
// as "unknown", never as what was typed.
func TestRouterMetrics(t *testing.T) {
	t.Parallel()
	p := newProbeRegistry(t)
	m := NewMetrics(prometheus.NewRegistry())
	rt := NewRouter(p.reg, NewAuthorizer(Policy{Viewers: []string{"U1"}}, nil, 0, nil), nil, nil, WithMetrics(m))
	for _, text := range []string{"look", "look again", "act now", "boom", "U0SECRET-machine-42", `look "unclosed`} {
		rt.Handle(t.Context(), Request{Ref: "r1", UserID: "U1", Text: text})
	}
	for _, tc := range []struct {
		verb, outcome string
		want          float64
	}{
		{"look", "ok", 2},
		{"act", "forbidden", 1},
		{"boom", "error", 1},
		{"unknown", "unknown_verb", 1},
		{"unknown", "bad_argument", 1},
	} {
		if got := testutil.ToFloat64(m.commands.WithLabelValues(tc.verb, tc.outcome)); got != tc.want {
			t.Errorf("%s/%s = %v, want %v", tc.verb, tc.outcome, got, tc.want)
		}
	}
	if n := testutil.CollectAndCount(m.commands); n != 5 {
		t.Errorf("%d series, want 5 (no series per typed text)", n)
	}
}

// The approval workflow's audited transitions become states, decision times, executions and
// action results; a vote short of the quorum is no state.
func TestApprovalMetrics(t *testing.T) {
	t.Parallel()
	m := NewMetrics(nil)
	created := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	ap := Approval{ID: "req-aaaaaaaa", Request: ActionRequest{Verb: "isolate"}, Created: created, State: ApprovalPending}
	m.approval("requested", ap, created)
	m.approval("approved", ap, created.Add(time.Minute)) // 1 of 2
	ap.State = ApprovalApproved
	m.approval("approved", ap, created.Add(90*time.Second))
	ap.State = ApprovalExecuting
	m.approval("executing", ap, created.Add(91*time.Second))
	ap.State, ap.ActionStatus = ApprovalDone, "Pending"
	m.approval("executed", ap, created.Add(92*time.Second))
	ap.ActionStatus = "Failed"
	m.approval("failed", ap, created.Add(5*time.Minute)) // MDE's action failed, not the execution
	other := Approval{Request: ActionRequest{Verb: "offboard"}, State: ApprovalFailed, Created: created}
	m.approval("failed", other, created.Add(time.Second))
	for _, tc := range []struct {
		name string
		c    prometheus.Collector
		want float64
	}{
		{"pending", m.approvals.WithLabelValues("pending"), 1},
		{"approved", m.approvals.WithLabelValues("approved"), 1},
		{"executing", m.approvals.WithLabelValues("executing"), 1},
		{"done", m.approvals.WithLabelValues("done"), 1},
		{"failed", m.approvals.WithLabelValues("failed"), 1},
		{"accepted", m.execs.WithLabelValues("isolate", "accepted"), 1},
		{"exec failed", m.execs.WithLabelValues("other", "failed"), 1},
		{"action failed", m.actions.WithLabelValues("isolate", "failed"), 1},
	} {
		if got := testutil.ToFloat64(tc.c); got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, got, tc.want)
		}
	}
	if n := testutil.CollectAndCount(m.decisions); n != 1 {
		t.Errorf("%d decision series, want 1", n)
	}
	want := `
# HELP mdebot_approval_decision_seconds Time from an approval request to its decision (quorum, denial or expiry).
# TYPE mdebot_approval_decision_seconds histogram
mdebot_approval_decision_seconds_bucket{decision="approved",le="5"} 0
mdebot_approval_decision_seconds_bucket{decision="approved",le="15"} 0
mdebot_approval_decision_seconds_bucket{decision="approved",le="30"} 0
mdebot_approval_decision_seconds_bucket{decision="approved",le="60"} 0
mdebot_approval_decision_seconds_bucket{decision="approved",le="120"} 1
mdebot_approval_decision_seconds_bucket{decision="approved",le="300"} 1
mdebot_approval_decision_seconds_bucket{decision="approved",le="600"} 1
mdebot_approval_decision_seconds_bucket{decision="approved",le="900"} 1
mdebot_approval_decision_seconds_bucket{decision="approved",le="1800"} 1
mdebot_approval_decision_seconds_bucket{decision="approved",le="3600"} 1
mdebot_approval_decision_seconds_bucket{decision="approved",le="7200"} 1
mdebot_approval_decision_seconds_bucket{decision="approved",le="+Inf"} 1
mdebot_approval_decision_seconds_sum{decision="approved"} 90
mdebot_approval_decision_seconds_count{decision="approved"} 1
`
	if err := testutil.CollectAndCompare(m.decisions, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}
