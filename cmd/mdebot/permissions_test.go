package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/defender/defendertest"
	"github.com/sethvargo/go-envconfig"
)

// `mdebot check` decodes the roles of the app's Defender and Graph tokens and names every
// missing permission with the verbs it turns off, and exits non-zero; with every permission
// granted it passes.
func TestCheckNamesMissingPermissions(t *testing.T) {
	t.Parallel()
	var roles []string
	for _, r := range defendertest.AllRoles {
		if r != "Machine.Isolate" {
			roles = append(roles, r)
		}
	}
	env := defendertest.New(t, defendertest.Options{Seed: true, Roles: roles, GraphRoles: []string{}})
	sf := slackfake.New(t, slackfake.Options{})
	vars := baseEnv(sf, env, "127.0.0.1:0")
	var out bytes.Buffer
	err := runCheck(t.Context(), envconfig.MapLookuper(vars), &out, seams{transport: env.Fake.HTTPClient()})
	if err == nil {
		t.Fatalf("check passed with permissions missing:\n%s", out.String())
	}
	for _, want := range []string{
		"MISS  isolation              isolate, release: need Machine.Isolate (Defender), missing",
		"MISS  hunting                hunt: need ThreatHunting.Read.All (Microsoft Graph), missing",
		"ok    antivirus scan         scan: need Machine.Scan (Defender), present",
		"these stay off: isolate, release; hunt",
		"FAIL  Permissions      2 feature(s) lack their permission",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check output lacks %q:\n%s", want, out.String())
		}
	}
	env.Fake.SetRoles(defendertest.ClientID, defendertest.AllRoles)
	env.Fake.SetGraphRoles(defendertest.ClientID, defendertest.AllGraphRoles)
	out.Reset()
	// A new credential, so the tokens carry the roles granted now.
	if err := runCheck(t.Context(), envconfig.MapLookuper(vars), &out, seams{transport: env.Fake.HTTPClient()}); err != nil {
		t.Fatalf("check with every permission: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "ok    Permissions      all 15 features have their permission") {
		t.Errorf("check output:\n%s", out.String())
	}
}
