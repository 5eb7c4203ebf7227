package main

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/defender/defendertest"
	"github.com/mdebot/mdebot/defender/mdefake"
	"github.com/sethvargo/go-envconfig"
)

func TestVersionManifestUsage(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	if err := run(t.Context(), []string{"mdebot", "version"}, envconfig.MapLookuper(nil), &out, &errOut); err != nil || !strings.HasPrefix(out.String(), "mdebot ") {
		t.Fatalf("version: %v %q", err, out.String())
	}
	out.Reset()
	if err := run(t.Context(), []string{"mdebot", "manifest"}, envconfig.MapLookuper(nil), &out, &errOut); err != nil || !strings.Contains(out.String(), "socket_mode_enabled: true") {
		t.Fatalf("manifest: %v", err)
	}
	if err := run(t.Context(), []string{"mdebot", "frobnicate"}, envconfig.MapLookuper(nil), &out, &errOut); err == nil || !strings.Contains(errOut.String(), "unknown command") {
		t.Fatalf("unknown command: %v %q", err, errOut.String())
	}
}

// A bad configuration stops the start with every problem, naming variables and no value.
func TestRunRefusesBadConfiguration(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	secret := "xoxp-this-is-a-secret-value"
	err := run(t.Context(), []string{"mdebot", "run"}, envconfig.MapLookuper(map[string]string{
		"SLACK_BOT_TOKEN": secret, "AZURE_CLIENT_SECRET": "s3cr3t-value", "MDEBOT_HTTP_ADDR": "127.0.0.1:0",
	}), &out, &errOut)
	if err == nil {
		t.Fatal("a configuration without tokens was accepted")
	}
	for _, v := range []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "AZURE_TENANT_ID", "AZURE_CLIENT_ID"} {
		if !strings.Contains(err.Error(), v) {
			t.Errorf("error does not name %s:\n%v", v, err)
		}
	}
	if strings.Contains(err.Error()+out.String()+errOut.String(), secret) || strings.Contains(err.Error(), "s3cr3t") {
		t.Error("a secret value appears in the output")
	}
}

func TestDemo(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	if err := run(t.Context(), []string{"mdebot", "demo"}, envconfig.MapLookuper(nil), &out, &errOut); err != nil {
		t.Fatalf("demo: %v\n%s", err, errOut.String())
	}
	for _, want := range []string{"/mde help", "devices match web01", "web01.contoso.com", "laptop-alice.contoso.com",
		"Mimikatz", "Advanced hunting", "status", "Demo finished",
		// MDE's comment names the people by e-mail with their Slack ID (issue 8 item 7).
		"requested by alice@contoso.com (U0ANALYST)", "approved by dana.okafor@contoso.com (U0LEAD)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if strings.Contains(out.String()+errOut.String(), defendertest.Secret) {
		t.Error("the demo printed the client secret")
	}
}

func TestHealthEndpoints(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200} {
		resp, err := http.Get("http://" + s.httpAddr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s = %d %s", path, resp.StatusCode, body)
		}
	}
}

// Every read-only verb, through the whole bot: the slash command over the websocket makes the
// expected MDE calls and the reply says the expected things.
func TestEveryReadOnlyVerbEndToEnd(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	s.slack.SetUserGroup("S0SOC", []string{"U0GROUPIE"})
	alice := mdefake.MachineID(mdefake.DemoAlice)
	alerts := s.mde.Fake.Alerts()
	actions := s.mde.Fake.Actions()
	cases := []struct {
		user, text string
		mdePath    string // a request path the command must make ("" for none)
		want       []string
	}{
		{"U0VIEW", "help", "", []string{"machine", "alerts", "status"}},
		{"U0RESP", "help", "", []string{"hunt"}},
		{"U0VIEW", "help machine", "", []string{"machine"}},
		{"U0VIEW", "machine " + mdefake.DemoAlice, "/api/machines", []string{mdefake.DemoAlice, "Open alerts"}},
		{"U0VIEW", "machine web01", "/api/machines", []string{"web01.contoso.com", "web01.fabrikam.local", "mde_run"}},
		{"U0VIEW", "machine " + alice, "/api/machines/" + alice, []string{mdefake.DemoAlice}},
		{"U0VIEW", "machines name=web", "/api/machines", []string{"web01.contoso.com"}},
		{"U0VIEW", "alerts severity=High since=7d", "/api/alerts", []string{"Mimikatz"}},
		{"U0VIEW", "alert " + alerts[0].ID, "/api/alerts/" + alerts[0].ID, []string{alerts[0].Title}},
		{"U0VIEW", "actions", "/api/machineactions", []string{"RunAntiVirusScan"}},
		{"U0VIEW", "action " + actions[0].ID, "/api/machineactions/" + actions[0].ID, []string{actions[0].ID}},
		{"U0VIEW", "indicators", "/api/indicators", []string{"Block"}},
		{"U0VIEW", "file " + mdefake.FakeSHA1("mimikatz.exe"), "/api/files/" + mdefake.FakeSHA1("mimikatz.exe"), []string{"mimikatz.exe"}},
		{"U0VIEW", "ip 10.1.2.3", "/api/ips/10.1.2.3/stats", []string{"10.1.2.3"}},
		{"U0VIEW", "domain malicious-cdn.example.net", "/api/domains/malicious-cdn.example.net/stats", []string{"malicious-cdn.example.net"}},
		{"U0VIEW", "user alice", "/api/users/alice/alerts", []string{"alice"}},
		{"U0RESP", "hunt DeviceProcessEvents | take 5", "/v1.0/security/runHuntingQuery", []string{"Advanced hunting"}},
		{"U0GROUPIE", "hunt DeviceProcessEvents | take 5", "/v1.0/security/runHuntingQuery", []string{"Advanced hunting"}},
		{"U0VIEW", "status", "", []string{"Slack", "Defender token", "Redis", "*interactive*", "*lookups*", "*slow*"}},
		{"U0VIEW", "audit", "", []string{"audit"}},
	}
	for _, tc := range cases {
		before := len(s.mde.Fake.Requests())
		body := s.ask(t, tc.user, tc.text)
		var made []string
		for _, r := range s.mde.Fake.Requests()[before:] {
			made = append(made, r.Path)
		}
		if tc.mdePath != "" && !containsPrefix(made, tc.mdePath) {
			t.Errorf("%q made MDE calls %v, want one to %s", tc.text, made, tc.mdePath)
		}
		for _, w := range tc.want {
			if !strings.Contains(strings.ToLower(body), strings.ToLower(w)) {
				t.Errorf("%q: reply lacks %q:\n%s", tc.text, w, abbreviate(body))
			}
		}
	}
	if m := s.slack.Mentions(); len(m) > 0 {
		t.Errorf("the bot mentioned %v", m)
	}
}

// Roles are checked on every request: a viewer cannot hunt, a stranger cannot look anything up,
// and nothing reaches MDE for them.
func TestRolesRefuse(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	// The responders' user group cannot be read yet: fail closed, run nothing.
	before := s.mde.Fake.RequestCount("/api/")
	if body := s.ask(t, "U0STRANGER", "hunt DeviceEvents | take 1"); !strings.Contains(body, "could not be checked") {
		t.Errorf("unreadable group: %s", abbreviate(body))
	}
	if s.mde.Fake.RequestCount("/api/") != before {
		t.Error("a request whose role could not be checked reached MDE")
	}
	s.slack.SetUserGroup("S0SOC", []string{"U0GROUPIE"})
	for _, tc := range []struct{ user, text string }{{"U0VIEW", "hunt DeviceEvents | take 1"}, {"U0STRANGER", "machine web01"}} {
		before := s.mde.Fake.RequestCount("/api/")
		body := s.ask(t, tc.user, tc.text)
		if !strings.Contains(body, "not allowed") {
			t.Errorf("%s %q: %s", tc.user, tc.text, abbreviate(body))
		}
		if s.mde.Fake.RequestCount("/api/") != before {
			t.Errorf("%s %q reached MDE", tc.user, tc.text)
		}
	}
}

func containsPrefix(paths []string, prefix string) bool {
	for _, p := range paths {
		if strings.HasPrefix(strings.ToLower(p), strings.ToLower(prefix)) {
			return true
		}
	}
	return false
}

// `mdebot check` prints the configuration without secrets and tries every dependency.
func TestCheck(t *testing.T) {
	t.Parallel()
	env := defendertest.New(t, defendertest.Options{Seed: true})
	sf := slackfake.New(t, slackfake.Options{})
	vars := baseEnv(sf, env, "127.0.0.1:0")
	var out bytes.Buffer
	if err := runCheck(t.Context(), envconfig.MapLookuper(vars), &out, seams{transport: env.Fake.HTTPClient()}); err != nil {
		t.Fatalf("check: %v\n%s", err, out.String())
	}
	for _, want := range []string{"ok    Entra token", "ok    Defender API", "ok    Redis", "ok    Slack", "AZURE_CLIENT_SECRET"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check output lacks %q:\n%s", want, out.String())
		}
	}
	for _, secret := range []string{defendertest.Secret, sf.BotToken(), sf.AppToken()} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("check printed a secret")
		}
	}
	// A refused secret fails the check with the reason, still without the secret.
	vars["AZURE_CLIENT_SECRET"] = "wrong-secret-value"
	out.Reset()
	err := runCheck(t.Context(), envconfig.MapLookuper(vars), &out, seams{transport: env.Fake.HTTPClient()})
	if err == nil || !strings.Contains(out.String(), "FAIL  Entra token") || strings.Contains(out.String(), "wrong-secret-value") {
		t.Fatalf("check with a wrong secret: %v\n%s", err, out.String())
	}
}
