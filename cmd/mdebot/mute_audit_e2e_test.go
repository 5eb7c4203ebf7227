package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/defender/mdefake"
)

var muteIDIn = regexp.MustCompile(`Mute (m[a-z0-9]+);`)

// Every mute and unmute is answered in the channel where it was typed and posted to the audit
// channel; a mute longer than 24 h waits for an approver's click, then is set.
func TestMutesInTheChannelAndTheAuditChannel(t *testing.T) {
	t.Parallel()
	s := startApprovals(t, apOptions{env: map[string]string{"MDEBOT_ALERT_CHANNEL": "C0ALERTS"}})
	auditHas := func(what string, parts ...string) {
		t.Helper()
		s.wait(t, what+" in the audit channel", func(sn *slackfake.Snapshot) bool {
			for _, m := range sn.Messages {
				if m.Channel != auditCh {
					continue
				}
				all := true
				for _, p := range parts {
					all = all && strings.Contains(m.Text, p)
				}
				if all {
					return true
				}
			}
			return false
		})
	}
	reply := s.askPost(t, resp, "mute machine "+mdefake.DemoBob+" for 1h noisy box")
	id := muteIDIn.FindStringSubmatch(reply.Text)
	if id == nil || reply.ResponseType != "in_channel" {
		t.Fatalf("mute answered %q (%s), want the mute shown to the channel", reply.Text, reply.ResponseType)
	}
	auditHas("the mute", "muted", id[1])
	reply = s.askPost(t, resp, "unmute "+id[1]+" box fixed")
	if !strings.Contains(reply.Text, "Lifted mute "+id[1]) || reply.ResponseType != "in_channel" {
		t.Fatalf("unmute answered %q (%s)", reply.Text, reply.ResponseType)
	}
	auditHas("the unmute", "unmuted", id[1])

	c := s.request(t, resp, "mute machine "+mdefake.DemoBob+" for 3d patching week")
	mutes := func() string { p := s.askPost(t, watcher, "mutes"); return p.Text + string(p.Blocks) }
	if body := mutes(); strings.Contains(body, "patching week") {
		t.Fatalf("the long mute was set before its approval: %s", body)
	}
	auditHas("the long mute's request", "requested", c.id)
	s.click(t, lead, c, "mde_approve", c.id)
	auditHas("the long mute, set", "executed", c.id)
	if body := mutes(); !strings.Contains(body, "patching week") {
		t.Errorf("the approved mute is not in force: %s", body)
	}
}
