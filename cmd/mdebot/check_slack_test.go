package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/defender/defendertest"
	"github.com/sethvargo/go-envconfig"
)

// `mdebot check` opens a socket-mode connection with SLACK_APP_TOKEN, compares the bot token's
// scopes with what the configuration needs, and checks the bot is in every configured channel;
// each failure names what to fix.
func TestCheckSlack(t *testing.T) {
	t.Parallel()
	env := defendertest.New(t, defendertest.Options{Seed: true})
	check := func(t *testing.T, sf *slackfake.Fake, extra map[string]string) (string, error) {
		t.Helper()
		vars := baseEnv(sf, env, "127.0.0.1:0")
		vars["MDEBOT_ALERT_CHANNEL"] = "C0SOC"
		vars["MDEBOT_ALERT_ROUTES"] = "severity>=High -> C0HIGH"
		vars["MDEBOT_AUDIT_CHANNEL"] = "C0AUDIT"
		for k, v := range extra {
			vars[k] = v
		}
		var out bytes.Buffer
		err := runCheck(t.Context(), envconfig.MapLookuper(vars), &out, seams{transport: env.Fake.HTTPClient()})
		return out.String(), err
	}
	t.Run("all good", func(t *testing.T) {
		t.Parallel()
		out, err := check(t, slackfake.New(t, slackfake.Options{}), nil)
		if err != nil {
			t.Fatalf("check: %v\n%s", err, out)
		}
		for _, want := range []string{"ok    Slack socket", "ok    Slack scopes", "ok    Slack channels", "all 4 configured channels"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("bad app token", func(t *testing.T) {
		t.Parallel()
		sf := slackfake.New(t, slackfake.Options{})
		out, err := check(t, sf, map[string]string{"SLACK_APP_TOKEN": "xapp-1-A0-revoked"})
		if err == nil || !failLine(out, "Slack socket", "SLACK_APP_TOKEN") || !strings.Contains(out, "invalid_auth") {
			t.Errorf("check with a bad app token: %v\n%s", err, out)
		}
		if strings.Contains(out, "xapp-1-A0-revoked") {
			t.Error("check printed the app token")
		}
	})
	t.Run("channel the bot is not in", func(t *testing.T) {
		t.Parallel()
		sf := slackfake.New(t, slackfake.Options{})
		sf.SetChannel(slackfake.Channel{ID: "C0AUDIT", Name: "soc-audit", BotAbsent: true})
		sf.SetChannel(slackfake.Channel{ID: "C0HIGH", Name: "soc-high", IsPrivate: true, BotAbsent: true})
		out, err := check(t, sf, nil)
		if err == nil || !failLine(out, "Slack channels", "#soc-audit (C0AUDIT)") || !strings.Contains(out, "/invite @mdebot") ||
			!strings.Contains(out, "MDEBOT_AUDIT_CHANNEL") || !strings.Contains(out, "C0HIGH (MDEBOT_ALERT_ROUTES)") {
			t.Errorf("check with the bot outside two channels: %v\n%s", err, out)
		}
		if strings.Contains(out, "C0SOC") && strings.Contains(out, "not in #c0soc") {
			t.Errorf("a channel the bot is in was reported:\n%s", out)
		}
	})
	t.Run("missing scope", func(t *testing.T) {
		t.Parallel()
		var scopes []string
		for _, s := range slackfake.DefaultScopes() {
			if s != "groups:history" && s != "usergroups:read" {
				scopes = append(scopes, s)
			}
		}
		out, err := check(t, slackfake.New(t, slackfake.Options{Scopes: scopes}), nil)
		if err == nil || !failLine(out, "Slack scopes", "groups:history") || !strings.Contains(out, "usergroups:read") {
			t.Errorf("check with missing scopes: %v\n%s", err, out)
		}
	})
}

// failLine reports whether out has a FAIL line for step that contains want.
func failLine(out, step, want string) bool {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "FAIL  "+step) && strings.Contains(l, want) {
			return true
		}
	}
	return false
}
