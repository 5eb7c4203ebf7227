package commands

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mdebot/mdebot/defender/mdefake"
)

// run approves (when needed) and executes a request, and returns it after execution.
func (f *apprFixture) approveAndRun(t *testing.T, ap Approval) Approval {
	t.Helper()
	if ap.State == ApprovalPending {
		if o := f.ap.Decide(t.Context(), ap.ID, lead, Approve, "", f.card(ap.ID)); !o.Run {
			t.Fatalf("approve %s: %+v", ap.ID, o)
		}
	}
	o := f.ap.Execute(t.Context(), ap.ID)
	if !o.Changed {
		t.Fatalf("execute %s: %+v", ap.ID, o)
	}
	return o.Approval
}

func TestScanNeedsNoApproval(t *testing.T) {
	t.Parallel()
	f := newApprFixture(t, ApprovalPolicy{})
	ap := f.request(t, requester, "scan laptop-alice.contoso.com type=full")
	if ap.State != ApprovalApproved || ap.Request.Option != "Full" || ap.Request.Reason != "no reason given" {
		t.Fatalf("scan = %+v", ap)
	}
	done := f.approveAndRun(t, ap)
	var body map[string]string
	if err := json.Unmarshal(f.posts("/runAntiVirusScan")[0].Body, &body); err != nil || body["ScanType"] != "Full" ||
		!strings.HasSuffix(body["Comment"], "no approval needed by policy") {
		t.Errorf("scan body %v %v", body, err)
	}
	if !done.Followed() || !done.Cancellable() {
		t.Errorf("scan is not followed: %+v", done)
	}
	resp := f.as(t, requester, "scan laptop-alice.contoso.com type=slow")
	if !strings.Contains(resp.Text, "`type` must be one of `Quick`, `Full`") {
		t.Errorf("bad type: %q", resp.Text)
	}
	resp = f.as(t, requester, "isolate laptop-alice.contoso.com")
	if !strings.Contains(resp.Text, "every request needs a reason") {
		t.Errorf("no reason: %q", resp.Text)
	}
	resp = f.as(t, requester, "isolate web01 c2")
	if resp.Approval != nil || !strings.Contains(resp.Text, "2 devices match web01") {
		t.Errorf("ambiguous: %+v", resp)
	}
}

func TestBlockAndUnblock(t *testing.T) {
	t.Parallel()
	f := newApprFixture(t, ApprovalPolicy{})
	ap := f.request(t, requester, "block <http://evil.example.org|evil.example.org> expires=7d phishing kit host")
	if ap.Request.IndicatorType != "DomainName" || ap.Request.Indicator != "evil.example.org" || ap.Request.Reason != "phishing kit host" ||
		!ap.Request.IndicatorExpires.Equal(f.clock.Now().Add(7*24*time.Hour).UTC().Truncate(time.Second)) {
		t.Fatalf("block = %+v", ap.Request)
	}
	done := f.approveAndRun(t, ap)
	if done.State != ApprovalDone || done.ActionID == "" || done.Followed() {
		t.Fatalf("block done = %+v", done)
	}
	var body map[string]any
	if err := json.Unmarshal(f.posts("/indicators")[0].Body, &body); err != nil || body["externalID"] != ap.ID || body["action"] != "Block" {
		t.Errorf("indicator body %v %v", body, err)
	}
	un := f.request(t, requester, "unblock evil.example.org partner CDN after all")
	if un.Request.IndicatorID != done.ActionID || un.Request.Existing == nil {
		t.Fatalf("unblock = %+v", un.Request)
	}
	if got := f.approveAndRun(t, un); got.State != ApprovalDone || len(f.posts("/indicators/"+done.ActionID)) != 1 {
		t.Errorf("unblock done = %+v", got)
	}
	byID := f.as(t, requester, "unblock 99999 nothing")
	if !strings.Contains(byID.Text, "No active custom indicator has the id 99999") {
		t.Errorf("unknown id: %q", byID.Text)
	}
	if resp := f.as(t, requester, "block not_a_thing!! reason"); !strings.Contains(resp.Text, "Usage: block") {
		t.Errorf("bad value: %q", resp.Text)
	}
}

// TestCancelVerbAndCard guarantees that cancelling a Defender action is a request like any other:
// it needs the quorum by default, is linked to the request that made the action, and once run
// records the cancel and the final status on that request.
func TestCancelVerbAndCard(t *testing.T) {
	t.Parallel()
	f := newApprFixture(t, ApprovalPolicy{})
	ctx := t.Context()
	ap := f.request(t, requester, "isolate laptop-alice.contoso.com beacon")
	done := f.approveAndRun(t, ap)
	if action, refusal := f.ap.CancelTarget(ctx, ap.ID, f.card(ap.ID)); action != done.ActionID || refusal != "" {
		t.Errorf("CancelTarget = %q %q, want %s", action, refusal, done.ActionID)
	}
	if _, refusal := f.ap.CancelTarget(ctx, ap.ID, CardRef{Channel: "C0APPROVALS", TS: "9.999"}); refusal != msgWrongCard {
		t.Errorf("CancelTarget from another message: %q", refusal)
	}
	if resp := f.as(t, viewer, "cancel "+done.ActionID+" x"); !strings.Contains(resp.Text, "needs the responder role") {
		t.Errorf("viewer cancel: %q", resp.Text)
	}
	c := f.request(t, requester, "cancel "+done.ActionID+" wrong device")
	if c.State != ApprovalPending || c.Required != 1 || c.Request.CancelOf != ap.ID || c.Request.Action == nil || c.Request.Action.ID != done.ActionID {
		t.Fatalf("cancel request = %+v", c)
	}
	if n := len(f.posts("/cancel")); n != 0 {
		t.Fatalf("%d cancel calls before the approval", n)
	}
	if o := f.ap.Decide(ctx, c.ID, requester, Approve, "", f.card(c.ID)); o.Run {
		t.Fatalf("the requester approved their own cancel: %+v", o)
	}
	if got := f.approveAndRun(t, c); got.State != ApprovalDone || !strings.Contains(got.Result, "is now Cancelled") {
		t.Errorf("cancel done = %+v", got)
	}
	orig, err := f.ap.Get(ctx, ap.ID)
	if err != nil || orig.ActionStatus != "Cancelled" || orig.CancelBy != requester || orig.CancelReason != "wrong device (request "+c.ID+")" || orig.Cancellable() {
		t.Errorf("the cancelled request = %+v %v", orig, err)
	}
	if n := len(f.posts("/machineactions/" + done.ActionID + "/cancel")); n != 1 {
		t.Errorf("%d cancel calls", n)
	}
	if !slices.Contains(f.sink.events(), "cancelled mdebot") {
		t.Errorf("the cancelled action is not audited: %v", f.sink.events())
	}
	if _, refusal := f.ap.CancelTarget(ctx, ap.ID, f.card(ap.ID)); !strings.Contains(refusal, "already Cancelled") {
		t.Errorf("second cancel from the card: %q", refusal)
	}
	if resp := f.as(t, requester, "cancel "+done.ActionID+" again"); !strings.Contains(resp.Text, "already Cancelled") {
		t.Errorf("cancel a final action: %q", resp.Text)
	}
}

// TestCancelPolicy guarantees that MDEBOT_APPROVAL_POLICY's cancel entry and the protected-device
// rules of the action's device decide a cancel: 0 cancels at once, never refuses, and a rule on
// the device raises the number.
func TestCancelPolicy(t *testing.T) {
	t.Parallel()
	rules, err := ParseProtected("tag:finance@cancel=2")
	if err != nil {
		t.Fatal(err)
	}
	f := newApprFixture(t, ApprovalPolicy{Verbs: map[string]Need{"cancel": 0}, Protected: rules})
	ctx := t.Context()
	bob := f.approveAndRun(t, f.request(t, requester, "restrict laptop-bob.contoso.com test"))
	c := f.request(t, requester, "cancel "+bob.ActionID+" wrong device")
	if c.State != ApprovalApproved || c.Request.CancelOf == "" {
		t.Fatalf("cancel=0 of an mdebot action = %+v", c)
	}
	if got := f.approveAndRun(t, c); got.State != ApprovalDone {
		t.Errorf("cancel done = %+v", got)
	}
	portal, err := f.env.Client.Isolate(ctx, mdefake.MachineID(mdefake.DemoLinux), "from the portal", "Full")
	if err != nil {
		t.Fatal(err)
	}
	if resp := f.as(t, requester, "cancel "+portal.Action.ID+" wrong device"); resp.Approval != nil || !strings.Contains(resp.Text, "is now Cancelled") {
		t.Errorf("cancel=0 of a portal action: %+v", resp)
	}
	alice := f.approveAndRun(t, f.request(t, requester, "isolate laptop-alice.contoso.com beacon"))
	p := f.request(t, requester, "cancel "+alice.ActionID+" wrong device")
	if p.State != ApprovalPending || p.Required != 2 || p.Request.Rule != "protected (machine tag finance): 2 approvals" {
		t.Errorf("cancel on a protected device = %+v", p)
	}

	never := newApprFixture(t, ApprovalPolicy{Verbs: map[string]Need{"cancel": NeverFromChat}})
	act := never.approveAndRun(t, never.request(t, requester, "isolate laptop-bob.contoso.com beacon"))
	if resp := never.as(t, requester, "cancel "+act.ActionID+" x"); !strings.Contains(resp.Text, "cannot be requested from chat") {
		t.Errorf("cancel=never: %q", resp.Text)
	}
	if n := len(never.posts("/cancel")); n != 0 {
		t.Errorf("cancel=never sent %d cancels", n)
	}
}

func TestAlertUpdates(t *testing.T) {
	t.Parallel()
	f := newApprFixture(t, ApprovalPolicy{})
	alert := f.env.Fake.Alerts()[0].ID
	for _, tc := range []struct{ user, text, want string }{
		{requester, "alert " + alert + " assign me", "assigned to alice@contoso.com"},
		{requester, "alert " + alert + " assign bob@contoso.com taking over", "assigned to bob@contoso.com"},
		{requester, "alert " + alert + " resolve fp Clean test box", "classified FalsePositive · determination Clean"},
		{requester, "alert " + alert + " comment seen before", "updated"},
		{viewer, "alert " + alert + " comment x", "needs the responder role"},
		{requester, "alert " + alert + " resolve maybe", "is not a classification"},
		{requester, "alert " + alert + " comment", "every request needs a reason"},
	} {
		resp := f.as(t, tc.user, tc.text)
		if !strings.Contains(strings.ReplaceAll(resp.Text, ", ", " · "), tc.want) || resp.Approval != nil {
			t.Errorf("%q: %q, want %q", tc.text, resp.Text, tc.want)
		}
	}
	got, _ := f.env.Fake.Alert(alert)
	if got.Status != "Resolved" || got.Classification != "FalsePositive" || len(got.Comments) != 4 ||
		!strings.HasPrefix(got.Comments[2].Comment, "test box — mdebot req-") {
		t.Errorf("alert = %+v", got)
	}
	if resp := f.as(t, viewer, "alert "+alert); resp.View == nil {
		t.Errorf("plain alert view lost: %q", resp.Text)
	}
}

func TestCollectPostsPackageOnce(t *testing.T) {
	t.Parallel()
	f := newApprFixture(t, ApprovalPolicy{})
	ctx := t.Context()
	ap := f.approveAndRun(t, f.request(t, requester, "collect laptop-bob.contoso.com evidence"))
	if p, err := f.ap.Poll(ctx, ap.ID); err != nil || p.Changed {
		t.Fatalf("first poll = %+v %v", p, err)
	}
	if p, err := f.ap.Poll(ctx, ap.ID); err != nil || p.Changed {
		t.Fatalf("a poll before it is due = %+v %v", p, err)
	}
	// MDE has not finished the package when the first look finds it succeeded.
	remove := f.env.Fake.Inject(mdefake.Fault{PathContains: "/GetPackageUri", Status: 404, Times: 1})
	defer remove()
	f.env.Fake.Advance(time.Minute)
	f.clock.Advance(time.Minute)
	p, err := f.ap.Poll(ctx, ap.ID)
	if err != nil || !p.Changed || p.Approval.ActionStatus != "Succeeded" || p.PackageURL != "" {
		t.Fatalf("poll = %+v %v", p, err)
	}
	if ids, _ := f.ap.Followed(ctx); len(ids) != 1 {
		t.Fatalf("the collection is not followed for its package: %v", ids)
	}
	f.clock.Advance(packageEvery)
	p, err = f.ap.Poll(ctx, ap.ID)
	if err != nil || p.Changed || !strings.Contains(p.PackageURL, "/package/") || p.PackageExpires.IsZero() {
		t.Fatalf("package poll = %+v %v", p, err)
	}
	f.clock.Advance(packageEvery)
	if again, err := f.ap.Poll(ctx, ap.ID); err != nil || again.PackageURL != "" || again.Changed {
		t.Errorf("third poll = %+v %v", again, err)
	}
	if ids, _ := f.ap.Followed(ctx); len(ids) != 0 {
		t.Errorf("still followed: %v", ids)
	}
	for _, e := range f.sink.entries {
		if strings.Contains(e.Detail, "sig=") {
			t.Errorf("the package link reached the audit: %+v", e)
		}
	}
}
