package commands

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mdebot/mdebot/defender/mdefake"
	"github.com/mdebot/mdebot/store"
	"github.com/redis/go-redis/v9"
)

// The whole four-eyes flow in commands: request, refused clicks, approval, one MDE call with the
// people and the reason in its comment, the action followed to Succeeded, and the audit trail.
func TestApprovalFlow(t *testing.T) {
	t.Parallel()
	f := newApprFixture(t, ApprovalPolicy{})
	ctx := t.Context()
	ap := f.request(t, both, "isolate laptop-alice.contoso.com ransomware beacon seen")
	if ap.State != ApprovalPending || ap.Required != 1 || ap.Request.MachineName != mdefake.DemoAlice || ap.Request.Option != "Full" {
		t.Fatalf("request = %+v", ap)
	}
	if pv := ap.Request.Preview; pv == nil || pv.Machine.RBACGroupName != "Workstations" || pv.AlertsUnknown {
		t.Fatalf("preview = %+v", pv)
	}
	other := f.request(t, requester, "release laptop-bob.contoso.com test")

	refusals := []struct {
		name, user, id string
		from           CardRef
		want           string
	}{
		{"viewer", viewer, ap.ID, f.card(ap.ID), "Only approvers can approve or deny requests"},
		{"self", both, ap.ID, f.card(ap.ID), "You asked for this, so you cannot approve it"},
		{"unknown id", lead, "req-aaaaaaaa", f.card(ap.ID), msgUnknownRequest},
		{"tampered", lead, ap.ID + `","verb":"offboard`, f.card(ap.ID), msgUnknownRequest},
		{"another request's id", lead, other.ID, f.card(ap.ID), msgWrongCard},
	}
	for _, r := range refusals {
		o := f.ap.Decide(ctx, r.id, r.user, Approve, "", r.from)
		if !strings.HasPrefix(o.Refusal, r.want) || o.Changed || o.Run {
			t.Errorf("%s: %+v, want refusal %q", r.name, o, r.want)
		}
	}
	if n := len(f.posts("/isolate")); n != 0 {
		t.Fatalf("%d isolate calls before approval", n)
	}
	o := f.ap.Decide(ctx, ap.ID, lead, Approve, "", f.card(ap.ID))
	if !o.Run || !o.Changed || o.Approval.State != ApprovalApproved {
		t.Fatalf("approve = %+v", o)
	}
	if again := f.ap.Decide(ctx, ap.ID, lead2, Approve, "", f.card(ap.ID)); again.Refusal == "" || again.Run {
		t.Errorf("a click after approval: %+v", again)
	}
	ex := f.ap.Execute(ctx, ap.ID)
	if !ex.Changed || ex.Approval.State != ApprovalDone || ex.Approval.ActionStatus != "Pending" || ex.Approval.ActionID == "" {
		t.Fatalf("execute = %+v", ex)
	}
	if twice := f.ap.Execute(ctx, ap.ID); twice.Changed {
		t.Errorf("second execute changed something: %+v", twice)
	}
	posts := f.posts("/isolate")
	if len(posts) != 1 {
		t.Fatalf("%d isolate calls, want 1", len(posts))
	}
	wantComment := "mdebot " + ap.ID + ": isolate (Full) requested by U5 (reason: ransomware beacon seen), approved by U2"
	if got := comment(t, posts[0]); got != wantComment {
		t.Errorf("comment %q, want %q", got, wantComment)
	}
	var statuses []string
	for _, step := range []time.Duration{0, 15 * time.Second, 20 * time.Second} {
		f.env.Fake.Advance(step)
		f.clock.Advance(step)
		p, err := f.ap.Poll(ctx, ap.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Changed {
			statuses = append(statuses, p.Approval.ActionStatus)
		}
	}
	if diff := cmp.Diff([]string{"InProgress", "Succeeded"}, statuses); diff != "" {
		t.Errorf("followed statuses (-want +got):\n%s", diff)
	}
	if ids, err := f.ap.Followed(ctx); err != nil || len(ids) != 0 {
		t.Errorf("still followed: %v %v", ids, err)
	}
	wantEvents := []string{"requested U5", "requested U1", "refused U4", "refused U5", "approved U2", "executing mdebot", "executed mdebot", "succeeded mdebot"}
	if diff := cmp.Diff(wantEvents, f.sink.events()); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
	page, err := f.ap.Audit(ctx, AuditQuery{ActionID: ap.ID})
	trail := page.Entries
	if err != nil || len(trail) != 7 || trail[0].Event != "succeeded" || trail[6].Event != "requested" {
		t.Errorf("audit of %s: %+v %v", ap.ID, trail, err)
	}
}

// A protected device needs more approvals, or cannot be touched from chat at all.
func TestQuorumAndProtectedDevices(t *testing.T) {
	t.Parallel()
	rules, err := ParseProtected("group:Servers=2; tag:tier0=never")
	if err != nil {
		t.Fatal(err)
	}
	f := newApprFixture(t, ApprovalPolicy{Protected: rules})
	ctx := t.Context()
	resp := f.as(t, requester, "isolate dc01.contoso.com lateral movement")
	if resp.Approval != nil || !strings.Contains(resp.Text, "cannot be requested from chat: the device is protected (machine tag tier0): never from chat") {
		t.Errorf("tier0: %+v", resp)
	}
	ap := f.request(t, requester, "restrict web01.contoso.com webshell")
	if ap.Required != 2 || ap.Request.Rule != "protected (device group Servers): 2 approvals" {
		t.Fatalf("request = %+v", ap)
	}
	steps := []struct {
		user string
		note string
		run  bool
	}{
		{lead, "counts: 1 of 2; still needed: 1", false},
		{lead, "", false},
		{both, "it runs now", true},
	}
	for _, s := range steps {
		o := f.ap.Decide(ctx, ap.ID, s.user, Approve, "", f.card(ap.ID))
		if o.Run != s.run || (s.note != "" && !strings.Contains(o.Note, s.note)) || (s.note == "" && !strings.Contains(o.Refusal, "already approved")) {
			t.Errorf("%s: %+v", s.user, o)
		}
	}
	if ex := f.ap.Execute(ctx, ap.ID); !strings.Contains(comment(t, f.posts("/restrictCodeExecution")[0]), "approved by U2, U5") || !ex.Changed {
		t.Errorf("execute: %+v", ex)
	}
	if resp := f.as(t, viewer, "isolate laptop-bob.contoso.com x"); !strings.Contains(resp.Text, "needs the responder role") {
		t.Errorf("viewer request: %q", resp.Text)
	}
}

func TestDenyAndExpiry(t *testing.T) {
	t.Parallel()
	f := newApprFixture(t, ApprovalPolicy{TTL: 30 * time.Minute})
	ctx := t.Context()
	ap := f.request(t, requester, "collect laptop-bob.contoso.com suspicious")
	o := f.ap.Decide(ctx, ap.ID, lead, Deny, "not enough evidence", f.card(ap.ID))
	if !o.Changed || o.Approval.State != ApprovalDenied || o.Approval.DecidedBy != lead || o.Approval.Reason != "not enough evidence" {
		t.Fatalf("deny = %+v", o)
	}
	if late := f.ap.Decide(ctx, ap.ID, lead2, Approve, "", f.card(ap.ID)); !strings.Contains(late.Refusal, "already denied by U2") {
		t.Errorf("approve after deny: %+v", late)
	}
	late := f.request(t, requester, "collect laptop-alice.contoso.com later")
	swept := f.request(t, requester, "restrict laptop-alice.contoso.com later")
	f.clock.Advance(31 * time.Minute)
	o = f.ap.Decide(ctx, late.ID, lead, Approve, "", f.card(late.ID))
	if !o.Changed || o.Run || o.Approval.State != ApprovalExpired || !strings.Contains(o.Refusal, "expired") {
		t.Errorf("late click: %+v", o)
	}
	expired, err := f.ap.ExpireDue(ctx)
	if err != nil || len(expired) != 1 || expired[0].ID != swept.ID || expired[0].State != ApprovalExpired {
		t.Errorf("ExpireDue = %+v, %v", expired, err)
	}
	if ex := f.ap.Execute(ctx, swept.ID); ex.Changed {
		t.Errorf("an expired request ran: %+v", ex)
	}
	if n := len(f.posts("/machines/")); n != 0 {
		t.Errorf("%d MDE actions sent", n)
	}
	// The requester may withdraw their own request without being an approver.
	own := f.request(t, requester, "release laptop-alice.contoso.com oops")
	if o := f.ap.Decide(ctx, own.ID, requester, Deny, "asked by mistake", f.card(own.ID)); !o.Changed || o.Approval.State != ApprovalDenied {
		t.Errorf("withdraw: %+v", o)
	}
}

// With Redis unreachable a click is refused, nothing runs, and the request is untouched.
func TestClickFailsClosed(t *testing.T) {
	t.Parallel()
	f := newApprFixture(t, ApprovalPolicy{})
	ctx := t.Context()
	ap := f.request(t, requester, "isolate laptop-alice.contoso.com beacon")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	_ = ln.Close()
	rdb := redis.NewClient(&redis.Options{Addr: dead, MaxRetries: -1, DialTimeout: 100 * time.Millisecond, DialerRetries: 1})
	t.Cleanup(func() { _ = rdb.Close() })
	down, err := NewApprovals(ApprovalsConfig{Store: store.New(rdb, "x"), MDE: f.env.Client, Authz: f.ap.authz, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []Decision{Approve, Deny} {
		if o := down.Decide(ctx, ap.ID, lead, d, "r", f.card(ap.ID)); o.Refusal != msgStoreDown || o.Run || o.Changed {
			t.Errorf("decide %d with Redis down: %+v", d, o)
		}
	}
	if o := down.Execute(ctx, ap.ID); o.Changed {
		t.Errorf("execute with Redis down: %+v", o)
	}
	if action, refusal := down.CancelTarget(ctx, ap.ID, f.card(ap.ID)); refusal != msgStoreDown || action != "" {
		t.Errorf("cancel with Redis down: %q %q", action, refusal)
	}
	if n := len(f.posts("/machines/")); n != 0 {
		t.Errorf("%d MDE actions sent", n)
	}
	got, err := f.ap.Get(ctx, ap.ID)
	if err != nil || got.State != ApprovalPending || len(got.Votes) != 0 {
		t.Errorf("request after the outage: %+v %v", got, err)
	}
	_, err = down.open(ctx, &Call{Request: Request{UserID: requester}}, ActionRequest{Verb: "release", MachineName: "x"}, nil)
	var ue *UserError
	if !errors.As(err, &ue) || ue.Kind != Unavailable {
		t.Errorf("request with Redis down: %v", err)
	}
}

// An action MDE already has pending is shown as such, and nothing is sent twice.
func TestAlreadyPending(t *testing.T) {
	t.Parallel()
	f := newApprFixture(t, ApprovalPolicy{})
	ctx := t.Context()
	first := f.request(t, requester, "isolate laptop-bob.contoso.com one")
	second := f.request(t, both, "isolate laptop-bob.contoso.com two")
	for _, id := range []string{first.ID, second.ID} {
		if o := f.ap.Decide(ctx, id, lead, Approve, "", f.card(id)); !o.Run {
			t.Fatalf("approve %s: %+v", id, o)
		}
	}
	a, b := f.ap.Execute(ctx, first.ID), f.ap.Execute(ctx, second.ID)
	if a.Approval.AlreadyPending || !b.Approval.AlreadyPending || b.Approval.ActionID != a.Approval.ActionID || b.Approval.State != ApprovalDone {
		t.Errorf("first %+v\nsecond %+v", a.Approval, b.Approval)
	}
	if !strings.Contains(b.Approval.Result, "already had a Isolate pending") {
		t.Errorf("result %q", b.Approval.Result)
	}
	if n := len(f.posts("/isolate")); n != 1 {
		t.Errorf("%d isolate calls, want 1", n)
	}
}
