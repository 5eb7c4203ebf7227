package main

import (
	"strings"
	"testing"

	"github.com/mdebot/mdebot/bot/slackfake"
)

// With MDEBOT_VIEWERS empty, read-only commands are for full members of the workspace only:
// guests (is_restricted, is_ultra_restricted) and people of other organisations (Slack Connect:
// is_stranger, or another team) get nothing. Everyone used to be a viewer. MDEBOT_VIEWERS=*
// opens read access to everyone on purpose.
func TestDefaultViewersAreFullMembers(t *testing.T) {
	t.Parallel()
	users := []slackfake.User{
		{ID: "U0MEMBER"},
		{ID: "U0GUEST", IsRestricted: true},
		{ID: "U0SINGLE", IsUltraRestricted: true},
		{ID: "U0STRANGER", TeamID: "T0PARTNER", IsStranger: true},
		{ID: "U0OTHERORG", TeamID: "T0PARTNER"},
	}
	run := func(t *testing.T, viewers string, want map[string]bool) {
		s := startStack(t, map[string]string{"MDEBOT_VIEWERS": viewers})
		s.slack.SetUserGroup("S0SOC", nil) // a responder group, expanded before the account is read
		for _, u := range users {
			s.slack.SetUser(u)
		}
		for _, u := range users {
			reply := s.ask(t, u.ID, "machines")
			allowed := !strings.Contains(reply, "You are not allowed to run `machines`") && !strings.Contains(reply, "could not be checked")
			if allowed != want[u.ID] {
				t.Errorf("MDEBOT_VIEWERS=%q, %s: %q", viewers, u.ID, abbreviate(reply))
			}
		}
	}
	t.Run("default", func(t *testing.T) {
		t.Parallel()
		run(t, "", map[string]bool{"U0MEMBER": true})
	})
	t.Run("star", func(t *testing.T) {
		t.Parallel()
		run(t, "*", map[string]bool{"U0MEMBER": true, "U0GUEST": true, "U0SINGLE": true, "U0STRANGER": true, "U0OTHERORG": true})
	})
}
