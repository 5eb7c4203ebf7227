package commands

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mdebot/mdebot/defender/mdefake"
	"github.com/mdebot/mdebot/store"
)

// muteApprFixture is the approval workflow with the mute verbs over the embedded store; mutes
// and unmutes set at once are written to audit.
func muteApprFixture(t *testing.T, p ApprovalPolicy) (*apprFixture, *[]AuditEntry) {
	t.Helper()
	f := newApprFixture(t, p)
	var audit []AuditEntry
	authz := NewAuthorizer(Policy{Responders: []string{requester, both}, Approvers: []string{lead, lead2, both}}, nil, 0, nil)
	reg, err := Build(Deps{MDE: f.env.Client, PortalURL: testPortal, Audit: f.ap, Approvals: f.ap, Now: f.clock.Now, Mutes: f.st,
		MuteAudit: MuteAuditFunc(func(_ context.Context, e AuditEntry) error { audit = append(audit, e); return nil })})
	if err != nil {
		t.Fatal(err)
	}
	f.router = NewRouter(reg, authz, nil, f.clock.Now)
	return f, &audit
}

// A mute longer than 24 h, or of a device or title with open High alerts, waits for an
// approver like an action; a short mute of anything else is set at once.
func TestMuteFollowsTheApprovalPolicy(t *testing.T) {
	t.Parallel()
	f, audit := muteApprFixture(t, ApprovalPolicy{})
	ctx := t.Context()
	mutes := func() []store.Mute {
		ms, err := f.st.Mutes(ctx, f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return ms
	}
	if resp := f.as(t, requester, "mute machine "+mdefake.DemoBob+" for 24h patching"); resp.Approval != nil || !strings.Contains(resp.Text, "Muted the alerts") {
		t.Fatalf("a 24 h mute of a device without High alerts: %q, approval %v", resp.Text, resp.Approval != nil)
	}
	if len(mutes()) != 1 || len(*audit) != 1 {
		t.Fatalf("the short mute: %d stored, %d audited", len(mutes()), len(*audit))
	}
	for text, rule := range map[string]string{
		"mute machine " + mdefake.DemoBob + " for 2d patching week":         "mute longer than 24 h",
		"mute machine " + mdefake.DemoAlice + " for 1h noisy":               "mute of a machine with open High alerts",
		"mute title suspicious powershell  command line for 1h admin tools": "mute of a title with open High alerts",
	} {
		ap := f.request(t, requester, text)
		if ap.Request.Verb != "mute" || ap.Required != 1 || !strings.HasPrefix(ap.Request.Rule, rule) || ap.State != ApprovalPending {
			t.Errorf("%q: request %+v, want pending with rule %q", text, ap, rule)
		}
	}
	if len(mutes()) != 1 {
		t.Fatalf("mutes waiting for approval were set: %+v", mutes())
	}

	// Approved, the long mute is set from the approval for the duration asked.
	ap := f.request(t, requester, "mute machine "+mdefake.DemoBob+" for 3d long patching")
	f.clock.Advance(10 * time.Minute)
	o := f.ap.Decide(ctx, ap.ID, lead, Approve, "", f.card(ap.ID))
	if !o.Run {
		t.Fatalf("approval: %+v", o)
	}
	done := f.ap.Execute(ctx, ap.ID)
	want := "m" + strings.TrimPrefix(ap.ID, "req-")
	if done.Approval.State != ApprovalDone || done.Approval.ActionID != want || !strings.Contains(done.Approval.Result, "unmute "+want) {
		t.Fatalf("executed: %+v", done.Approval)
	}
	var set *store.Mute
	for _, m := range mutes() {
		if m.ID == want {
			set = &m
		}
	}
	if set == nil || set.Kind != store.MuteMachine || set.Label != mdefake.DemoBob || set.Creator != requester ||
		!set.Until.Equal(f.clock.Now().Add(72*time.Hour)) || set.Reason != "long patching" {
		t.Fatalf("approved mute stored as %+v", set)
	}
	// The request, its approval and the mute went to the audit trail and its mirror.
	if ev := strings.Join(f.sink.events(), ","); !strings.Contains(ev, "requested "+requester) || !strings.Contains(ev, "approved "+lead) || !strings.Contains(ev, "executed") {
		t.Errorf("audit mirror: %s", ev)
	}
}

// mute=0 sets every mute at once; mute=never refuses the ones the policy covers.
func TestMutePolicyVerb(t *testing.T) {
	t.Parallel()
	p, err := ParseApprovalPolicy("mute=0")
	if err != nil {
		t.Fatal(err)
	}
	f, _ := muteApprFixture(t, ApprovalPolicy{Verbs: p})
	resp := f.as(t, requester, "mute machine "+mdefake.DemoAlice+" for 7d known noisy")
	if resp.Approval != nil || !strings.HasPrefix(resp.Text, "Mute m") || !strings.Contains(resp.Text, "set on machine "+mdefake.DemoAlice) {
		t.Fatalf("mute=0: %q, want the mute set at once", resp.Text)
	}
	if ms, err := f.st.Mutes(t.Context(), f.clock.Now()); err != nil || len(ms) != 1 {
		t.Fatalf("mute=0 stored %v (%v)", ms, err)
	}
	p, _ = ParseApprovalPolicy("mute=never")
	f, _ = muteApprFixture(t, ApprovalPolicy{Verbs: p})
	if resp := f.as(t, requester, "mute machine "+mdefake.DemoAlice+" for 1h noisy"); !strings.Contains(resp.Text, "cannot be requested from chat") {
		t.Errorf("mute=never: %q", resp.Text)
	}
	if resp := f.as(t, requester, "mute machine "+mdefake.DemoBob+" for 1h noisy"); !strings.Contains(resp.Text, "Muted the alerts") {
		t.Errorf("mute=never still sets short mutes without High alerts at once: %q", resp.Text)
	}
}
