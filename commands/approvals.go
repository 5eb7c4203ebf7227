package commands

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
)

// AuditSink receives every audit entry after it was written to the trail, to mirror it (the
// audit channel). It must not block for long.
type AuditSink interface {
	Record(ctx context.Context, e AuditEntry)
}

// UserDirectory finds a Slack user's e-mail address (the UPN MDE assigns alerts to).
type UserDirectory interface {
	Email(ctx context.Context, userID string) (string, error)
}

// ApprovalsConfig is what Approvals needs.
type ApprovalsConfig struct {
	Store  *store.Store
	MDE    *defender.Client
	Authz  *Authorizer
	Policy ApprovalPolicy
	// Sink mirrors the audit trail; nil for none.
	Sink AuditSink
	// Users finds e-mail addresses for "alert <id> assign me"; nil disables "me".
	Users     UserDirectory
	PortalURL string
	// Owner names this replica in execution claims; random when empty.
	Owner string
	Now   func() time.Time
	Log   *slog.Logger
	// Metrics counts the requests' transitions and executions; nil for none.
	Metrics *Metrics
	// StartGrace is how long the replica that approved a request has to start it before another
	// replica does, by the Redis server's clock; 5s when zero, none when negative (tests).
	StartGrace time.Duration
}

// Approvals is the four-eyes workflow: it records requests, decides clicks (the approver role
// at click time, never the requester, the quorum, the expiry), runs an approved request exactly
// once, follows its MDE action and writes the audit trail. It has no Slack types: bot shows
// what it returns.
type Approvals struct {
	st     *store.Store
	mde    *defender.Client
	authz  *Authorizer
	policy ApprovalPolicy
	sink   AuditSink
	users  UserDirectory
	portal string
	owner  string
	now    func() time.Time
	log    *slog.Logger
	m      *Metrics
	grace  time.Duration
}

// Timing of the workflow.
const (
	// DefaultApprovalTTL is how long a request stays open when the policy sets no TTL.
	DefaultApprovalTTL = 30 * time.Minute
	// execTimeout bounds one execution's MDE call.
	execTimeout = 90 * time.Second
	// defaultStartGrace is how long the replica that approved a request has to start it before
	// another replica does (judged by the Redis server's clock).
	defaultStartGrace = 5 * time.Second
)

// NewApprovals returns the workflow over cfg.
func NewApprovals(cfg ApprovalsConfig) (*Approvals, error) {
	if cfg.Store == nil || cfg.MDE == nil || cfg.Authz == nil {
		return nil, errors.New("commands: approvals need a store, an MDE client and an authorizer")
	}
	if cfg.Policy.TTL <= 0 {
		cfg.Policy.TTL = DefaultApprovalTTL
	}
	if cfg.Policy.Required < 1 {
		cfg.Policy.Required = 1
	}
	if cfg.Owner == "" {
		cfg.Owner = "replica-" + strings.ToLower(rand.Text()[:10])
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.StartGrace == 0 {
		cfg.StartGrace = defaultStartGrace
	}
	// Approved actions and their follow-up draw on the share of each MDE budget that chat
	// look-ups cannot use.
	return &Approvals{st: cfg.Store, mde: cfg.MDE.Reserved(), authz: cfg.Authz, policy: cfg.Policy, sink: cfg.Sink,
		users: cfg.Users, portal: cfg.PortalURL, owner: cfg.Owner, now: cfg.Now,
		log: cfg.Log.With("component", "approvals"), m: cfg.Metrics, grace: max(cfg.StartGrace, 0)}, nil
}

// PortalURL is the Defender portal the cards link to.
func (a *Approvals) PortalURL() string { return a.portal }

// Get returns a request.
func (a *Approvals) Get(ctx context.Context, id string) (Approval, error) {
	s, err := a.st.Approval(ctx, id)
	if err != nil {
		return Approval{}, err
	}
	return fromStore(s)
}

// View returns the card of a request.
func (a *Approvals) View(ap Approval) ApprovalView {
	return ApprovalView{Approval: ap, PortalURL: a.portal}
}

// SetCard records where the card of a request was posted.
func (a *Approvals) SetCard(ctx context.Context, id, channel, ts string) error {
	return a.st.SetApprovalCard(ctx, id, channel, ts)
}

// Abandon closes a pending request that cannot be decided (its card could not be posted): it
// is denied by mdebot for reason, and never runs.
func (a *Approvals) Abandon(ctx context.Context, id, reason string) {
	tr, err := a.st.DenyApproval(ctx, id, botActor, reason, a.now())
	if err != nil {
		a.log.Error("abandon request", "request", id, "err", err)
		return
	}
	if tr.Outcome == store.OutcomeChanged {
		if ap, err := fromStore(tr.Approval); err == nil {
			a.record(ctx, ap, "denied", botActor, "", reason)
		}
	}
}

// botActor is the actor of what mdebot does on its own.
const botActor = "mdebot"

// record appends one entry to the audit trail, logs it, and mirrors it. A trail that cannot be
// written is logged; the transition it records already happened.
func (a *Approvals) record(ctx context.Context, ap Approval, event, actor, actionID, detail string) {
	e := AuditEntry{
		Time: a.now().UTC(), Event: event, Actor: actor, Verb: ap.Request.Verb, Target: ap.Target(),
		MachineID: ap.Request.MachineID, Request: ap.ID, ActionID: actionID, Detail: Truncate(detail, 500),
	}
	a.log.Info("audit", "event", e.Event, "actor", e.Actor, "verb", e.Verb, "target", e.Target,
		"machine", e.MachineID, "request", e.Request, "action", e.ActionID, "detail", e.Detail)
	a.m.approval(event, ap, e.Time)
	id, err := a.st.AppendAudit(context.WithoutCancel(ctx), store.AuditEvent{
		Time: e.Time, Event: e.Event, Actor: e.Actor, Verb: e.Verb, Target: e.Target, MachineID: e.MachineID,
		Request: e.Request, ActionID: e.ActionID, Detail: e.Detail,
	})
	if err != nil {
		a.log.Error("audit trail not written", "event", event, "request", ap.ID, "err", err)
	}
	e.ID = id
	if a.sink != nil {
		a.sink.Record(ctx, e)
	}
}

// comment is what MDE records with the action, since MDE sees the app as the requestor: the
// request id, both people and the reason. People are named by e-mail with their Slack ID
// ("alice@contoso.com (U0ABC)") so that an auditor reading MDE's action center can tell who they
// are; an ID alone when the directory does not know them.
func (a *Approvals) comment(ctx context.Context, ap Approval) string {
	who := "no approval needed by policy"
	if len(ap.Votes) > 0 {
		voters := ap.Voters()
		for i, v := range voters {
			voters[i] = a.person(ctx, v)
		}
		who = "approved by " + strings.Join(voters, ", ")
	}
	what := ap.Request.Verb
	if ap.Request.Option != "" {
		what += " (" + ap.Request.Option + ")"
	}
	reason := strings.Join(strings.Fields(Truncate(ap.Request.Reason, 300)), " ")
	return fmt.Sprintf("mdebot %s: %s requested by %s (reason: %s), %s", ap.ID, what, a.person(ctx, ap.Requester), reason, who)
}

// personLookup bounds one directory look-up for a comment.
const personLookup = 3 * time.Second

// person names a Slack user for MDE: "e-mail (ID)", or the ID when no e-mail is known.
func (a *Approvals) person(ctx context.Context, id string) string {
	if a.users == nil {
		return id
	}
	ctx, cancel := context.WithTimeout(ctx, personLookup)
	defer cancel()
	email, err := a.users.Email(ctx, id)
	email = strings.Join(strings.Fields(Plain(email, 120)), "")
	if err != nil || email == "" || !strings.Contains(email, "@") {
		return id
	}
	return email + " (" + id + ")"
}

// commentTag is the part of the comment that identifies the request, to find the action it made.
func commentTag(id string) string { return "mdebot " + id + ":" }

// Audit implements AuditReader over the trail.
func (a *Approvals) Audit(ctx context.Context, q AuditQuery) (AuditPage, error) {
	r, err := a.st.AuditScan(ctx, store.AuditFilter{MachineID: q.MachineID, Target: q.Target, User: q.User,
		ActionID: q.ActionID, Offset: q.Offset, Limit: q.Limit, Window: q.Window})
	if err != nil {
		return AuditPage{}, err
	}
	out := make([]AuditEntry, len(r.Events))
	for i, e := range r.Events {
		out[i] = AuditEntry{ID: e.ID, Time: e.Time, Event: e.Event, Actor: e.Actor, Verb: e.Verb, Target: e.Target,
			MachineID: e.MachineID, Request: e.Request, ActionID: e.ActionID, Detail: e.Detail}
	}
	return AuditPage{Entries: out, Stopped: r.Stopped, Scanned: r.Scanned, StoppedAt: r.StoppedAt}, nil
}

// plainList writes "U1, U2".
func plainList(xs []string) string { return strings.Join(xs, ", ") }
