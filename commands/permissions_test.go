package commands

import (
	"context"
	"strings"
	"testing"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/defender/defendertest"
)

// A verb whose permission the app lacks says so, and never reaches MDE for a 403; status lists
// every feature with its permission.
func TestMissingPermissionTurnsVerbsOff(t *testing.T) {
	t.Parallel()
	env := defendertest.New(t, defendertest.Options{Seed: true, Roles: []string{"Machine.Read.All", "Alert.Read.All"}, GraphRoles: []string{}})
	perms := func(ctx context.Context) (defender.Permissions, error) {
		return defender.PermissionsOf(ctx, env.Cred, env.Fake.Scope(), env.Fake.GraphScope(), defender.Features(true))
	}
	reg, err := Build(Deps{MDE: env.Client, Hunt: env.Graph, Permissions: perms, PortalURL: testPortal})
	if err != nil {
		t.Fatal(err)
	}
	rt := NewRouter(reg, NewAuthorizer(Policy{Responders: []string{"U1"}}, nil, 0, nil), nil, nil)
	ask := func(text string) string {
		return rt.Handle(t.Context(), Request{Ref: testRef, UserID: "U1", ChannelID: "C1", Text: text}).Text
	}
	before := len(env.Fake.Requests())
	if got := ask("hunt DeviceInfo | take 1"); !strings.Contains(got, "`hunt` is off") || !strings.Contains(got, "ThreatHunting.Read.All") {
		t.Errorf("hunt without ThreatHunting.Read.All: %q", got)
	}
	if got := ask("file 0123456789012345678901234567890123456789"); !strings.Contains(got, "File.Read.All") {
		t.Errorf("file without File.Read.All: %q", got)
	}
	for _, r := range env.Fake.Requests()[before:] {
		if strings.HasPrefix(r.Path, "/api/") || strings.HasPrefix(r.Path, "/v1.0/") {
			t.Errorf("a refused verb still called %s", r.Path)
		}
	}
	if got := ask("machines"); strings.Contains(got, " is off") {
		t.Errorf("machines with Machine.Read.All: %q", got)
	}
	status := rt.Handle(t.Context(), Request{Ref: testRef, UserID: "U1", ChannelID: "C1", Text: "status"})
	v := status.View.(StatusView)
	var lines []string
	for _, c := range v.Checks {
		lines = append(lines, c.Detail)
	}
	all := strings.Join(lines, "\n")
	for _, want := range []string{"isolate, release: need Machine.Isolate (Defender), missing",
		"machine, machines, actions, action: need Machine.ReadWrite.All (Defender), present",
		"hunt: need ThreatHunting.Read.All (Microsoft Graph), missing"} {
		if !strings.Contains(all, want) {
			t.Errorf("status lacks %q:\n%s", want, all)
		}
	}
}

// With Alert.Read.All but not Alert.ReadWrite.All, an alert shows but its updates (assign,
// resolve, comment) answer that they are off, open no request and send MDE nothing, instead of
// ending in MDE's 403.
func TestAlertUpdatesMissingPermission(t *testing.T) {
	t.Parallel()
	var roles []string
	for _, r := range defendertest.AllRoles {
		if r != "Alert.ReadWrite.All" {
			roles = append(roles, r)
		}
	}
	f := newApprFixtureOpts(t, ApprovalPolicy{}, defendertest.Options{Seed: true, Roles: append(roles, "Alert.Read.All")})
	perms := func(ctx context.Context) (defender.Permissions, error) {
		return defender.PermissionsOf(ctx, f.env.Cred, f.env.Fake.Scope(), "", defender.Features(false))
	}
	reg, err := Build(Deps{MDE: f.env.Client, PortalURL: testPortal, Approvals: f.ap, Audit: f.ap, Now: f.clock.Now, Permissions: perms})
	if err != nil {
		t.Fatal(err)
	}
	f.router = NewRouter(reg, f.ap.authz, nil, f.clock.Now)
	alert := f.env.Fake.Alerts()[0].ID
	for sub, text := range map[string]string{
		"assign":  "alert " + alert + " assign me",
		"resolve": "alert " + alert + " resolve fp Clean test box",
		"comment": "alert " + alert + " comment seen before",
	} {
		resp := f.as(t, requester, text)
		if !strings.Contains(resp.Text, "`alert "+sub+"` is off") || !strings.Contains(resp.Text, "Alert.ReadWrite.All") ||
			strings.Contains(resp.Text, "403") || resp.Approval != nil {
			t.Errorf("%q: %q", text, resp.Text)
		}
	}
	if n := len(f.posts("/alerts")); n != 0 {
		t.Errorf("%d alert updates sent without the permission", n)
	}
	if resp := f.as(t, viewer, "alert "+alert); resp.View == nil {
		t.Errorf("alert with Alert.Read.All: %q", resp.Text)
	}
}
