package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mdebot/mdebot/bot/slackfake"
)

// Review: at 9bd772c the Resolve and Assign buttons on alert messages updated the alert in MDE
// with only a responder check: MDEBOT_APPROVAL_POLICY=alert=never was ignored and nothing was
// audited, while `/mde alert <id> resolve ...` was refused. Fixed in 9c23247; this stays as the
// end-to-end regression test (the fix's own test checks alert=1, this one alert=never).
func TestReviewAlertButtonsBypassApprovalPolicy(t *testing.T) {
	t.Parallel()
	s := startStack(t, map[string]string{
		"MDEBOT_ALERT_CHANNEL":      "C0ALERTS",
		"MDEBOT_ALERT_LOOKBACK":     "720h",
		"MDEBOT_ALERT_MIN_SEVERITY": "Informational",
		"MDEBOT_APPROVAL_POLICY":    "alert=never",
	})
	s.slack.SetUser(slackfake.User{ID: "U0RESP", Email: "alice@contoso.com"})
	var msg slackfake.Message
	var alertID string
	if _, err := s.slack.WaitFor(t.Context(), func(sn *slackfake.Snapshot) bool {
		for _, m := range sn.Messages {
			if m.Channel != "C0ALERTS" || !bytes.Contains(m.Blocks, []byte(`"alert_resolve"`)) {
				continue
			}
			var md struct {
				EventPayload map[string]any `json:"event_payload"`
			}
			if json.Unmarshal(m.Metadata, &md) != nil {
				continue
			}
			if id, ok := md.EventPayload["alert_id"].(string); ok {
				msg, alertID = m, id
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("no alert message with a Resolve menu: %v", err)
	}

	// The slash command is refused by the policy...
	if body := s.ask(t, "U0RESP", "alert "+alertID+" resolve fp not a threat"); !strings.Contains(body, "cannot be requested from chat") {
		t.Fatalf("the slash command was not refused by alert=never: %s", abbreviate(body))
	}
	if a, _ := s.mde.Fake.Alert(alertID); a.Status == "Resolved" {
		t.Fatal("the slash command resolved the alert")
	}

	// ...but the button on the alert message does it anyway.
	env, err := s.slack.BlockAction(t.Context(), slackfake.BlockAction{UserID: "U0RESP", ChannelID: "C0ALERTS",
		MessageTS: msg.TS, ActionID: "alert_resolve", Type: "static_select", SelectedOption: "FalsePositive|" + alertID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.slack.WaitFor(t.Context(), func(sn *slackfake.Snapshot) bool { return len(answers(sn, env.ID)) > 0 }); err != nil {
		t.Fatal(err)
	}
	if a, _ := s.mde.Fake.Alert(alertID); a.Status == "Resolved" {
		t.Errorf("the Resolve button resolved alert %s as %s although MDEBOT_APPROVAL_POLICY says alert=never", alertID, a.Classification)
	}
	// Both attempts (the command's and the button's) are in the audit trail.
	if body := s.ask(t, "U0RESP", "audit "+alertID); strings.Count(body, "never from chat") < 2 {
		t.Errorf("the button's attempt is not in the audit trail: %s", abbreviate(body))
	}
}
