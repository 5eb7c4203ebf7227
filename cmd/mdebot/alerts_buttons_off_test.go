package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mdebot/mdebot/bot/slackfake"
)

// With alert notifications on and response actions off (no MDEBOT_RESPONDERS), alert messages
// carry no Isolate device, Assign to me or Resolve (only the portal link), and a click on such a
// button of an older message (posted while actions were on) still gets an answer.
func TestAlertButtonsOffWithoutResponders(t *testing.T) {
	t.Parallel()
	s := startStack(t, map[string]string{
		"MDEBOT_ALERT_CHANNEL":      "C0ALERTS",
		"MDEBOT_ALERT_LOOKBACK":     "720h",
		"MDEBOT_ALERT_MIN_SEVERITY": "Informational",
		"MDEBOT_RESPONDERS":         "",
		"MDEBOT_APPROVAL_CHANNEL":   "",
	})
	var msg slackfake.Message
	if _, err := s.slack.WaitFor(t.Context(), func(sn *slackfake.Snapshot) bool {
		for _, m := range sn.Messages {
			if m.Channel == "C0ALERTS" && bytes.Contains(m.Metadata, []byte(`"card"`)) {
				msg = m
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("no alert message: %v", err)
	}
	for _, id := range []string{"alert_isolate", "alert_assign", "alert_resolve"} {
		if bytes.Contains(msg.Blocks, []byte(`"`+id+`"`)) || bytes.Contains(msg.Attachments, []byte(`"`+id+`"`)) {
			t.Errorf("an alert message offers %s with response actions off", id)
		}
	}
	if !bytes.Contains(msg.Blocks, []byte(`"mde_link"`)) {
		t.Errorf("the alert message lost its portal link: %s", msg.Blocks)
	}
	env, err := s.slack.BlockAction(t.Context(), slackfake.BlockAction{UserID: "U0VIEW", ChannelID: "C0ALERTS", MessageTS: msg.TS,
		ActionID: "alert_assign", Value: "da638600000000000001_1000007919"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	snap, err := s.slack.WaitFor(ctx, func(sn *slackfake.Snapshot) bool {
		return len(answers(sn, env.ID)) > 0 || len(sn.Ephemerals) > 0
	})
	if err != nil {
		t.Fatalf("a click on Assign to me (a button of an older message) got no answer at all")
	}
	if posts := answers(snap, env.ID); len(posts) == 0 || !strings.Contains(posts[0].Text, "turned off") || posts[0].ResponseType != "ephemeral" {
		t.Errorf("the answer to the click: %+v", posts)
	}
}
