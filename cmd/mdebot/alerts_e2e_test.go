package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/defender/mdefake"
	"github.com/sethvargo/go-envconfig"
)

// The wired bot posts alerts to the configured channel, mutes them from Slack (audited), and
// reports the poller in status.
func TestAlertNotificationsEndToEnd(t *testing.T) {
	t.Parallel()
	s := startStack(t, map[string]string{
		"MDEBOT_ALERT_CHANNEL":       "C0ALERTS",
		"MDEBOT_ALERT_ROUTES":        "severity>=High -> C0HIGH",
		"MDEBOT_ALERT_LOOKBACK":      "720h",
		"MDEBOT_ALERT_MIN_SEVERITY":  "Informational",
		"MDEBOT_ALERT_POLL_INTERVAL": "5s",
	})
	s.slack.SetUserGroup("S0SOC", []string{"U0GROUPIE"})
	seeded := s.mde.Fake.Alerts()
	posted := func(sn *slackfake.Snapshot) map[string]bool {
		seen := map[string]bool{}
		for _, m := range sn.Messages {
			var md struct {
				EventPayload map[string]any `json:"event_payload"`
			}
			if m.Metadata == nil || json.Unmarshal(m.Metadata, &md) != nil {
				continue
			}
			if id, ok := md.EventPayload["alert_id"].(string); ok {
				seen[m.Channel+"/"+id] = true
			}
			if ids, ok := md.EventPayload["alert_ids"].([]any); ok {
				for _, id := range ids {
					seen[m.Channel+"/"+id.(string)] = true
				}
			}
		}
		return seen
	}
	want := func(a mdefake.Alert) string {
		if a.Severity == "High" {
			return "C0HIGH/" + a.ID
		}
		return "C0ALERTS/" + a.ID
	}
	if _, err := s.slack.WaitFor(t.Context(), func(sn *slackfake.Snapshot) bool {
		seen := posted(sn)
		for _, a := range seeded {
			if !seen[want(a)] {
				return false
			}
		}
		return true
	}); err != nil {
		t.Fatalf("the seeded alerts were not all posted: %v", err)
	}

	// A device without open High alerts: a short mute of it is set at once (one with High alerts
	// would wait for an approval).
	high := map[string]bool{}
	for _, a := range seeded {
		if a.Severity == "High" && a.Status != "Resolved" {
			high[a.MachineID] = true
		}
	}
	dev := ""
	for _, a := range seeded {
		if a.MachineID != "" && !high[a.MachineID] {
			dev = a.MachineID
			break
		}
	}
	body := s.ask(t, "U0RESP", "mute machine "+dev+" for 2h patching tonight")
	if !strings.Contains(body, "Muted the alerts of machine") {
		t.Fatalf("mute: %s", abbreviate(body))
	}
	if body := s.ask(t, "U0VIEW", "mutes"); !strings.Contains(body, "patching tonight") {
		t.Errorf("mutes: %s", abbreviate(body))
	}
	if body := s.ask(t, "U0VIEW", "mute machine "+dev+" for 2h x"); !strings.Contains(body, "not allowed") {
		t.Errorf("a viewer muted: %s", abbreviate(body))
	}
	if body := s.ask(t, "U0RESP", "audit"); !strings.Contains(body, "muted") {
		t.Errorf("the mute is not in the audit trail: %s", abbreviate(body))
	}
	if body := s.ask(t, "U0VIEW", "status"); !strings.Contains(body, "Alert poller") {
		t.Errorf("status lacks the poller: %s", abbreviate(body))
	}
}

// An invalid routing rule stops the start with a problem naming MDEBOT_ALERT_ROUTES.
func TestAlertRoutesRefused(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	vars := map[string]string{"MDEBOT_ALERT_ROUTES": "severity>=High -> #soc", "MDEBOT_HTTP_ADDR": "127.0.0.1:0"}
	err := run(t.Context(), []string{"mdebot", "run"}, envconfig.MapLookuper(vars), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "MDEBOT_ALERT_ROUTES: rule 1: a channel is not a Slack channel ID") {
		t.Fatalf("run = %v", err)
	}
	if strings.Contains(err.Error(), "#soc") {
		t.Error("the error repeats the variable's value")
	}
}

// The "Isolate device" button of an alert message asks for a reason, then opens the approval
// flow as the person who clicked: a card in the approval channel, and nothing sent to MDE yet.
func TestAlertIsolateButtonOpensApproval(t *testing.T) {
	t.Parallel()
	s := startStack(t, map[string]string{
		"MDEBOT_ALERT_CHANNEL":      "C0ALERTS",
		"MDEBOT_ALERT_LOOKBACK":     "720h",
		"MDEBOT_ALERT_MIN_SEVERITY": "Informational",
	})
	// Wait for an alert message with an Isolate button.
	var msg slackfake.Message
	if _, err := s.slack.WaitFor(t.Context(), func(sn *slackfake.Snapshot) bool {
		for _, m := range sn.Messages {
			if m.Channel == "C0ALERTS" && (bytes.Contains(m.Blocks, []byte(`"alert_isolate"`)) || bytes.Contains(m.Attachments, []byte(`"alert_isolate"`))) {
				msg = m
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("no alert message with an Isolate button: %v", err)
	}
	if _, err := s.slack.BlockAction(t.Context(), slackfake.BlockAction{UserID: "U0RESP", ChannelID: "C0ALERTS", MessageTS: msg.TS, ActionID: "alert_isolate"}); err != nil {
		t.Fatal(err)
	}
	snap, err := s.slack.WaitFor(t.Context(), func(sn *slackfake.Snapshot) bool { return len(sn.Views) > 0 })
	if err != nil {
		t.Fatalf("no reason modal: %v", err)
	}
	view := snap.Views[len(snap.Views)-1]
	if view.CallbackID != "alert_isolate_reason" || view.UserID != "U0RESP" {
		t.Fatalf("modal = %+v", view)
	}
	env, err := s.slack.ViewSubmission(t.Context(), slackfake.ViewSubmission{UserID: "U0RESP", ViewID: view.ID,
		Values: map[string]map[string]slackfake.InputValue{"reason": {"reason": {Value: `beaconing to "C2" <!channel>`}}}})
	if err != nil {
		t.Fatal(err)
	}
	if a, err := s.slack.Ack(t.Context(), env.ID); err != nil || a.Payload != nil {
		t.Fatalf("submission ack = %+v, %v", a, err)
	}
	snap, err = s.slack.WaitFor(t.Context(), func(sn *slackfake.Snapshot) bool {
		for _, m := range sn.Messages {
			if m.Channel == "C0APPROVALS" && bytes.Contains(m.Blocks, []byte("Approve")) {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no approval card: %v", err)
	}
	var card slackfake.Message
	for _, m := range snap.Messages {
		if m.Channel == "C0APPROVALS" {
			card = m
		}
	}
	if !bytes.Contains(card.Blocks, []byte("beaconing to")) || !bytes.Contains(card.Blocks, []byte("U0RESP")) {
		t.Errorf("the card lacks the reason or the requester: %s", abbreviate(string(card.Blocks)))
	}
	if n := s.mde.Fake.RequestCount("/isolate"); n != 0 {
		t.Errorf("%d isolate calls before any approval", n)
	}
	if m := s.slack.Mentions(); len(m) > 0 {
		for _, x := range m {
			if strings.HasPrefix(x, "<!") {
				t.Errorf("broadcast mention posted: %v", m)
			}
		}
	}
}

// Assign to me and Resolve on an alert message run as the clicker through the same command as
// `/mde alert <id> ...`: responders only, an e-mail address needed to assign, the change audited.
func TestAlertButtonsAssignAndResolve(t *testing.T) {
	t.Parallel()
	s := startStack(t, map[string]string{
		"MDEBOT_ALERT_CHANNEL":      "C0ALERTS",
		"MDEBOT_ALERT_LOOKBACK":     "720h",
		"MDEBOT_ALERT_MIN_SEVERITY": "Informational",
	})
	s.slack.SetUserGroup("S0SOC", nil)
	s.slack.SetUser(slackfake.User{ID: "U0RESP", Email: "alice@contoso.com"})
	var msg slackfake.Message
	var alertID string
	if _, err := s.slack.WaitFor(t.Context(), func(sn *slackfake.Snapshot) bool {
		for _, m := range sn.Messages {
			var md struct {
				EventPayload map[string]any `json:"event_payload"`
			}
			if m.Channel != "C0ALERTS" || !bytes.Contains(m.Blocks, []byte(`"alert_assign"`)) || json.Unmarshal(m.Metadata, &md) != nil {
				continue
			}
			if id, ok := md.EventPayload["alert_id"].(string); ok {
				msg, alertID = m, id
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("no alert message with buttons: %v", err)
	}
	press := func(a slackfake.BlockAction) string {
		t.Helper()
		a.ChannelID, a.MessageTS = msg.Channel, msg.TS
		env, err := s.slack.BlockAction(t.Context(), a)
		if err != nil {
			t.Fatal(err)
		}
		snap, err := s.slack.WaitFor(t.Context(), func(sn *slackfake.Snapshot) bool { return len(answers(sn, env.ID)) > 0 })
		if err != nil {
			t.Fatal(err)
		}
		return answers(snap, env.ID)[0].Text
	}
	if got := press(slackfake.BlockAction{UserID: "U0VIEW", ActionID: "alert_assign"}); !strings.Contains(got, "responder role") {
		t.Errorf("a viewer clicked Assign: %q", got)
	}
	if got := press(slackfake.BlockAction{UserID: "U0RESP", ActionID: "alert_resolve", Type: "static_select", SelectedOption: "Bogus|" + alertID}); !strings.Contains(got, "does not name an alert") {
		t.Errorf("a forged classification: %q", got)
	}
	if a, _ := s.mde.Fake.Alert(alertID); a.Status == "Resolved" || a.AssignedTo == "alice@contoso.com" {
		t.Fatalf("a refused click changed the alert: %+v", a)
	}
	press(slackfake.BlockAction{UserID: "U0RESP", ActionID: "alert_assign"})
	if a, _ := s.mde.Fake.Alert(alertID); a.AssignedTo != "alice@contoso.com" {
		t.Errorf("assigned to %q after Assign to me", a.AssignedTo)
	}
	press(slackfake.BlockAction{UserID: "U0RESP", ActionID: "alert_resolve", Type: "static_select", SelectedOption: "FalsePositive|" + alertID})
	if a, _ := s.mde.Fake.Alert(alertID); a.Status != "Resolved" || a.Classification != "FalsePositive" {
		t.Errorf("after Resolve: %s %s", a.Status, a.Classification)
	}
	if body := s.ask(t, "U0RESP", "audit "+alertID); !strings.Contains(body, "U0RESP") {
		t.Errorf("the button's changes are not in the audit trail: %s", abbreviate(body))
	}
}
