package main

import (
	"strings"
	"testing"
)

// With should_escape: true in the manifest, Slack sends mentions and links in the command text in
// its escaped forms: a user as <@U123|alice>, a channel as <#C123|soc>, a typed domain or URL as
// <http://evil.com|evil.com>, an e-mail address as <mailto:a@b.c|a@b.c> (slash commands,
// "Escape channels, users, and links sent to your app"; api.slack.com/interactivity/slash-commands).
// Every verb that takes a user, a channel or a link reads them end to end through the Slack fake.
func TestEscapedFormsEndToEnd(t *testing.T) {
	t.Parallel()
	s := startStack(t, map[string]string{"MDEBOT_ALERT_CHANNEL": "C0SOC"})
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"audit <@U0LEAD|lead>", []string{"Audit trail: by @U0LEAD"}},
		{"audit <#C0SOC|soc>", []string{"Audit entries are by person", "not a channel"}},
		{"user <@U0RESP|alice>", []string{"not a Slack mention"}},
		{"user <mailto:alice@contoso.com|alice@contoso.com>", []string{"not by UPN", "Try `user alice`"}},
		{"domain <http://evil.com|evil.com>", []string{"Domain: evil.com"}},
		{"domain <http://evil.com|other.net>", []string{"points to"}},
		{"machine <http://laptop-alice.contoso.com|laptop-alice.contoso.com>", []string{"laptop-alice.contoso.com"}},
		{"block <http://evil.com|evil.com> phishing", []string{"block evil.com (domain) is waiting for an approver"}},
		{"block <https://evil.example/x|https://evil.example/x> phishing", []string{"block https://evil.example/x (url) is waiting"}},
		{"block <mailto:a@b.c|a@b.c> phishing", []string{"Not a valid indicator"}},
		{"unblock <http://evil.com|evil.com> done", []string{"No active custom indicator matches evil.com"}},
		{`hunt DeviceNetworkEvents | where RemoteUrl == "<http://evil.com|evil.com>" | take 1`, []string{`RemoteUrl == \"evil.com\"`}},
		{"mute <#C0SOC|soc> for 1h noisy", []string{"Mentions cannot be muted"}},
		{"mute <@U0LEAD|lead> for 1h noisy", []string{"Mentions cannot be muted"}},
	} {
		body := s.ask(t, "U0RESP", tc.text)
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%q: reply lacks %q:\n%s", tc.text, w, abbreviate(body))
			}
		}
		if strings.Contains(body, "&lt;@U") || strings.Contains(body, "<@U0") {
			t.Errorf("%q: the reply echoes Slack markup:\n%s", tc.text, abbreviate(body))
		}
	}
}
