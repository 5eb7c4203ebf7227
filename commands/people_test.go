package commands

import (
	"strings"
	"testing"
)

// The Comment MDE records with an action or an indicator names the people by e-mail with their
// Slack ID, so that an auditor reading MDE's action center can tell who they are.
func TestCommentsNamePeople(t *testing.T) {
	t.Parallel()
	f := newApprFixture(t, ApprovalPolicy{})
	ctx := t.Context()
	ap := f.request(t, requester, "isolate laptop-alice.contoso.com beacon")
	f.ap.Decide(ctx, ap.ID, lead, Approve, "", f.card(ap.ID))
	f.ap.Execute(ctx, ap.ID)
	got := comment(t, f.posts("/isolate")[0])
	want := "mdebot " + ap.ID + ": isolate (Full) requested by alice@contoso.com (U1) (reason: beacon), approved by U2"
	if got != want {
		t.Errorf("isolate comment\n got %q\nwant %q", got, want)
	}
	blk := f.request(t, requester, "block evil.example.com phishing kit")
	f.ap.Decide(ctx, blk.ID, lead, Approve, "", f.card(blk.ID))
	f.ap.Execute(ctx, blk.ID)
	posts := f.posts("/indicators")
	if len(posts) != 1 || !strings.Contains(string(posts[0].Body), "requested by alice@contoso.com (U1)") {
		t.Fatalf("indicator: %d posts, body %s", len(posts), posts[len(posts)-1].Body)
	}
}
