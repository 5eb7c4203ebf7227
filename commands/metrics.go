package commands

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/mdebot/mdebot/defender"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the Prometheus metrics of the chat-ops logic: commands by verb and outcome,
// approval requests by state and how long a decision took, executions by verb and what MDE
// answered, and the final status of the actions followed. Labels hold verbs, states and
// outcomes only, never a user, device, request or action id. A nil *Metrics counts nothing.
type Metrics struct {
	commands  *prometheus.CounterVec
	approvals *prometheus.CounterVec
	decisions *prometheus.HistogramVec
	execs     *prometheus.CounterVec
	actions   *prometheus.CounterVec
}

// NewMetrics registers the metrics on r (none when r is nil). Give the result to the router
// (WithMetrics) and to the approval workflow (ApprovalsConfig.Metrics).
func NewMetrics(r prometheus.Registerer) *Metrics {
	m := &Metrics{
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mdebot_commands_total",
			Help: "Commands run through the router (slash commands and the buttons that run one), by verb and outcome.",
		}, []string{"verb", "outcome"}),
		approvals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mdebot_approvals_total",
			Help: "Approval requests that reached a state: pending (requested), approved (quorum), denied, expired, executing, done, failed.",
		}, []string{"state"}),
		decisions: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "mdebot_approval_decision_seconds",
			Help:    "Time from an approval request to its decision (quorum, denial or expiry).",
			Buckets: []float64{5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200},
		}, []string{"decision"}),
		execs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mdebot_executions_total",
			Help: "Approved requests run against MDE, by verb and MDE's answer: accepted, already_pending (nothing new sent), failed.",
		}, []string{"verb", "outcome"}),
		actions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mdebot_action_results_total",
			Help: "Machine actions of approved requests that reached a final status in MDE, by verb and status.",
		}, []string{"verb", "status"}),
	}
	if r != nil {
		r.MustRegister(m.commands, m.approvals, m.decisions, m.execs, m.actions)
	}
	for _, s := range []string{"pending", "approved", "denied", "expired", "executing", "done", "failed"} {
		m.approvals.WithLabelValues(s) // zero series: the dashboard shows 0, not nothing
	}
	return m
}

// RouterOption configures a Router.
type RouterOption func(*Router)

// WithMetrics counts the router's commands in m.
func WithMetrics(m *Metrics) RouterOption { return func(rt *Router) { rt.metrics = m } }

// command counts one command; verb is "" when no verb was found.
func (m *Metrics) command(verb string, resp Response, err error) {
	if m == nil {
		return
	}
	if verb == "" {
		verb = "unknown"
	}
	m.commands.WithLabelValues(verb, commandOutcome(resp, err)).Inc()
}

// commandOutcome names what became of a command: ok, approval (a request was made), or the kind
// of error: bad_argument, forbidden, not_found, unavailable, unknown_verb, error.
func commandOutcome(resp Response, err error) string {
	var ue *UserError
	var se *SyntaxError
	var ve *defender.ValidationError
	var apiErr *defender.APIError
	switch {
	case err == nil && resp.Approval != nil:
		return "approval"
	case err == nil:
		return "ok"
	case errors.Is(err, errUnknownVerb):
		return "unknown_verb"
	case errors.As(err, &ue):
		return [...]string{"error", "bad_argument", "forbidden", "not_found", "unavailable"}[max(0, min(int(ue.Kind), 4))]
	case errors.As(err, &se), errors.As(err, &ve):
		return "bad_argument"
	case errors.As(err, &apiErr) && apiErr.StatusCode == 404:
		return "not_found"
	case errors.As(err, &apiErr) && apiErr.StatusCode == 429,
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, errRolesUnavailable):
		return "unavailable"
	}
	return "error"
}

// errUnknownVerb and errRolesUnavailable name two router outcomes that have no error of their
// own, for commandOutcome.
var (
	errUnknownVerb      = errors.New("commands: unknown verb")
	errRolesUnavailable = errors.New("commands: roles could not be checked")
)

// approval counts a request's audited transition (event is the audit trail's word) at now.
func (m *Metrics) approval(event string, ap Approval, now time.Time) {
	if m == nil {
		return
	}
	verb := verbLabel(ap.Request.Verb)
	if st := defender.ActionStatus(ap.ActionStatus); ap.State == ApprovalDone && st.Final() && strings.EqualFold(event, string(st)) {
		// The followed machine action ended (its event is MDE's status, "failed" included).
		m.actions.WithLabelValues(verb, statusLabel(st)).Inc()
		return
	}
	switch event {
	case "requested":
		m.approvals.WithLabelValues("pending").Inc()
	case "approved":
		if ap.State == ApprovalPending { // a vote short of the quorum
			return
		}
		m.approvals.WithLabelValues("approved").Inc()
		m.decided("approved", ap, now)
	case "denied", "expired":
		m.approvals.WithLabelValues(event).Inc()
		m.decided(event, ap, now)
	case "executing":
		m.approvals.WithLabelValues("executing").Inc()
	case "executed":
		m.approvals.WithLabelValues("done").Inc()
		m.execs.WithLabelValues(verb, "accepted").Inc()
	case "already pending":
		m.approvals.WithLabelValues("done").Inc()
		m.execs.WithLabelValues(verb, "already_pending").Inc()
	case "failed":
		m.approvals.WithLabelValues("failed").Inc()
		m.execs.WithLabelValues(verb, "failed").Inc()
	}
}

func (m *Metrics) decided(decision string, ap Approval, now time.Time) {
	if !ap.Created.IsZero() && !now.Before(ap.Created) {
		m.decisions.WithLabelValues(decision).Observe(now.Sub(ap.Created).Seconds())
	}
}

// verbLabel keeps the verbs that go through approval (see Approvals.run); anything else is
// counted as "other".
func verbLabel(v string) string {
	switch v {
	case "isolate", "release", "restrict", "unrestrict", "scan", "collect", "quarantine", "block", "unblock", "cancel", "alert":
		return v
	}
	return "other"
}

// statusLabel is an MDE action status as a label: succeeded, failed, cancelled, timeout, other.
func statusLabel(s defender.ActionStatus) string {
	switch l := strings.ToLower(string(s)); l {
	case "succeeded", "failed", "cancelled", "timeout":
		return l
	}
	return "other"
}
