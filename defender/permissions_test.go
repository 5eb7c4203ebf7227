package defender_test

import (
	"strings"
	"testing"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/defender/defendertest"
)

func TestPermissionsFromTheTokensRoles(t *testing.T) {
	t.Parallel()
	var roles []string
	for _, r := range defendertest.AllRoles {
		if r != "Machine.Isolate" {
			roles = append(roles, r)
		}
	}
	env := defendertest.New(t, defendertest.Options{Roles: roles, GraphRoles: []string{}})
	p, err := defender.PermissionsOf(t.Context(), env.Cred, env.Fake.Scope(), env.Fake.GraphScope(), defender.Features(true))
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, f := range p.Missing() {
		missing = append(missing, f.Line())
	}
	want := []string{"isolate, release: need Machine.Isolate (Defender), missing", "hunt: need ThreatHunting.Read.All (Microsoft Graph), missing"}
	if strings.Join(missing, "\n") != strings.Join(want, "\n") {
		t.Fatalf("missing:\n%s\nwant:\n%s", strings.Join(missing, "\n"), strings.Join(want, "\n"))
	}
	if f, off := p.Disabled("isolate"); !off || f.AnyOf[0] != "Machine.Isolate" {
		t.Errorf("isolate not disabled: %+v", f)
	}
	if _, off := p.Disabled("scan"); off {
		t.Error("scan disabled with Machine.Scan present")
	}
	full := defendertest.New(t, defendertest.Options{})
	if p, err := defender.PermissionsOf(t.Context(), full.Cred, full.Fake.Scope(), full.Fake.GraphScope(), defender.Features(true)); err != nil || len(p.Missing()) != 0 {
		t.Fatalf("every permission granted: missing %+v, %v", p.Missing(), err)
	}
}

func TestRolesOfRejectsNonJWT(t *testing.T) {
	t.Parallel()
	for _, tok := range []string{"", "a.b", "a.!!!.c", "a.bm90IGpzb24.c"} {
		if _, err := defender.RolesOf(tok); err == nil {
			t.Errorf("RolesOf(%q) accepted", tok)
		}
	}
}
