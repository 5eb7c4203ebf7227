package commands

import (
	"testing"
)

// Every click is bound to its card. A click that names no message, or that arrives before the
// card's place is recorded, used to be accepted (the card check was skipped when either side was
// empty), so a forged payload without a message ts could approve any request by its id.
func TestClickBoundToItsCard(t *testing.T) {
	t.Parallel()
	f := newApprFixture(t, ApprovalPolicy{})
	ctx := t.Context()
	resp := f.as(t, requester, "isolate laptop-alice.contoso.com beaconing")
	if resp.Approval == nil {
		t.Fatalf("no request: %q", resp.Text)
	}
	unrecorded := resp.Approval.Approval
	for _, c := range []struct {
		name string
		id   string
		from CardRef
		want string
	}{
		{"no message ts", unrecorded.ID, CardRef{Channel: "C0APPROVALS"}, msgNoCard},
		{"no channel", unrecorded.ID, CardRef{TS: "1.0001"}, msgNoCard},
		{"card not recorded yet", unrecorded.ID, CardRef{Channel: "C0APPROVALS", TS: "1.0001"}, msgCardPending},
	} {
		o := f.ap.Decide(ctx, c.id, lead, Approve, "", c.from)
		if o.Refusal != c.want || o.Changed || o.Run {
			t.Errorf("%s: %+v, want refusal %q", c.name, o, c.want)
		}
	}
	recorded := f.request(t, requester, "release laptop-bob.contoso.com test")
	if o := f.ap.Decide(ctx, recorded.ID, lead, Approve, "", CardRef{}); o.Refusal != msgNoCard || o.Run {
		t.Errorf("a recorded request clicked without a message: %+v", o)
	}
	if _, refusal := f.ap.CancelTarget(ctx, recorded.ID, CardRef{}); refusal != msgNoCard {
		t.Errorf("cancel without a message: %q", refusal)
	}
	if o := f.ap.Decide(ctx, recorded.ID, lead, Approve, "", f.card(recorded.ID)); !o.Run {
		t.Errorf("the click on its own card: %+v", o)
	}
	if n := len(f.posts("/isolate")) + len(f.posts("/unisolate")); n != 0 {
		t.Errorf("%d MDE calls before anything ran", n)
	}
}
