package commands

import (
	"context"
	"strings"
	"testing"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/defender/defendertest"
	"github.com/mdebot/mdebot/defender/mdefake"
)

// tag and untag need no approval by default: they run at once, change the device in Defender
// and record the change for the alert routing cache.
func TestTagAndUntag(t *testing.T) {
	t.Parallel()
	f := newApprFixture(t, ApprovalPolicy{})
	resp := f.as(t, requester, "tag "+mdefake.DemoAlice+" contained beaconing")
	if resp.Approval != nil || !strings.Contains(resp.Text, "Tag contained added to "+mdefake.DemoAlice) {
		t.Fatalf("tag: %q", resp.Text)
	}
	if m, _ := f.env.Fake.Machine(mdefake.DemoAlice); !containsFold(m.MachineTags, "contained") {
		t.Fatalf("tags in Defender: %v", m.MachineTags)
	}
	if ch, _ := f.st.Retagged(t.Context(), f.clock.Now().Add(-1)); len(ch) != 1 {
		t.Errorf("retagged devices %v", ch)
	}
	if resp := f.as(t, requester, "tag "+mdefake.DemoAlice+" CONTAINED again"); !strings.Contains(resp.Text, "already has the tag") {
		t.Errorf("tag twice: %q", resp.Text)
	}
	if resp := f.as(t, requester, "untag "+mdefake.DemoAlice+" contained clear"); !strings.Contains(resp.Text, "removed from") {
		t.Errorf("untag: %q", resp.Text)
	}
	if resp := f.as(t, requester, "untag "+mdefake.DemoAlice+" contained clear"); !strings.Contains(resp.Text, "has no tag") {
		t.Errorf("untag of a missing tag: %q", resp.Text)
	}
	for _, bad := range []string{"tag " + mdefake.DemoAlice, "tag " + mdefake.DemoAlice + " x", "untag nosuch.contoso.com x y"} {
		if resp := f.as(t, requester, bad); resp.Approval != nil || strings.Contains(resp.Text, "added") {
			t.Errorf("%q: %q", bad, resp.Text)
		}
	}
	if resp := f.as(t, viewer, "tag "+mdefake.DemoAlice+" x y"); !strings.Contains(strings.ToLower(resp.Text), "responder") {
		t.Errorf("a viewer tagging: %q", resp.Text)
	}
	if n := len(f.posts("/tags")); n != 2 {
		t.Errorf("%d tag calls, want 2", n)
	}
}

// The policy of tag applies to untag too, and the protected-device rules apply to both: the tag
// that protects a device cannot be removed from chat when the rule says never.
func TestTagPolicyAndProtectedDevice(t *testing.T) {
	t.Parallel()
	rules, err := ParseProtected("tag:tier0=never; group:Servers@tag=2")
	if err != nil {
		t.Fatal(err)
	}
	f := newApprFixture(t, ApprovalPolicy{Verbs: map[string]Need{"tag": 1}, Protected: rules})
	dc, _ := f.env.Fake.Machine(mdefake.DemoDC)
	if resp := f.as(t, requester, "untag "+dc.ComputerDNSName+" tier0 no longer special"); !strings.Contains(resp.Text, "cannot be requested from chat") {
		t.Errorf("untag tier0: %q", resp.Text)
	}
	req := f.request(t, requester, "tag "+mdefake.DemoAlice+" vip exec laptop")
	if req.Required != 1 || req.State != ApprovalPending {
		t.Errorf("tag=1: needs %d, %s", req.Required, req.State)
	}
	req = f.request(t, requester, "untag "+mdefake.DemoAlice+" finance moved teams")
	if req.Required != 1 {
		t.Errorf("untag follows tag=1: needs %d", req.Required)
	}
	if n := len(f.posts("/tags")); n != 0 {
		t.Errorf("%d tag calls before any approval", n)
	}
}

// Without Machine.ReadWrite.All, tag and untag answer with the missing permission and call
// nothing.
func TestTagMissingPermission(t *testing.T) {
	t.Parallel()
	var roles []string
	for _, r := range defendertest.AllRoles {
		if r != "Machine.ReadWrite.All" {
			roles = append(roles, r)
		}
	}
	f := newApprFixtureOpts(t, ApprovalPolicy{}, defendertest.Options{Seed: true, Roles: append(roles, "Machine.Read.All")})
	perms := func(ctx context.Context) (defender.Permissions, error) {
		return defender.PermissionsOf(ctx, f.env.Cred, f.env.Fake.Scope(), "", defender.Features(false))
	}
	reg, err := Build(Deps{MDE: f.env.Client, PortalURL: testPortal, Approvals: f.ap, Audit: f.ap, Now: f.clock.Now, Permissions: perms})
	if err != nil {
		t.Fatal(err)
	}
	f.router = NewRouter(reg, f.ap.authz, nil, f.clock.Now)
	for _, text := range []string{"tag " + mdefake.DemoAlice + " x why", "untag " + mdefake.DemoAlice + " finance why"} {
		resp := f.as(t, requester, text)
		if !strings.Contains(resp.Text, "Machine.ReadWrite.All") || resp.Approval != nil {
			t.Errorf("%q: %q", text, resp.Text)
		}
	}
	if n := len(f.posts("/tags")); n != 0 {
		t.Errorf("%d tag calls without the permission", n)
	}
}
