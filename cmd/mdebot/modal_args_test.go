package main

import (
	"bytes"
	"testing"

	"github.com/mdebot/mdebot/bot/slackfake"
)

// A reason typed in the alert's "Isolate device" form is one argument, whatever quotes it holds.
// The form's submission used to be rebuilt as command text with the reason in straight double
// quotes; a » (another quote of the same family) ended the quoted part, so `type=selective`
// became an option and the request asked for selective isolation instead of full.
func TestIsolateFormReasonCannotChangeOptions(t *testing.T) {
	t.Parallel()
	s := startStack(t, map[string]string{
		"MDEBOT_ALERT_CHANNEL":      "C0ALERTS",
		"MDEBOT_ALERT_LOOKBACK":     "720h",
		"MDEBOT_ALERT_MIN_SEVERITY": "Informational",
	})
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
	const reason = `beaconing» type=selective «to C2`
	if _, err := s.slack.ViewSubmission(t.Context(), slackfake.ViewSubmission{UserID: "U0RESP", ViewID: view.ID,
		Values: map[string]map[string]slackfake.InputValue{"reason": {"reason": {Value: reason}}}}); err != nil {
		t.Fatal(err)
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
	for _, m := range snap.Messages {
		if m.Channel != "C0APPROVALS" {
			continue
		}
		if bytes.Contains(m.Blocks, []byte("(Selective)")) || !bytes.Contains(m.Blocks, []byte("(Full)")) {
			t.Errorf("the form's reason changed the request's option: %s", abbreviate(string(m.Blocks)))
		}
		if !bytes.Contains(m.Blocks, []byte("type=selective")) {
			t.Errorf("the reason is not on the card whole: %s", abbreviate(string(m.Blocks)))
		}
	}
}
