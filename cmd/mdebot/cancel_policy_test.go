package main

import (
	"strings"
	"testing"

	"github.com/mdebot/mdebot/bot/slackfake"
)

// cancelFromCard clicks the Cancel button of c as user, submits reason in the modal it opens, and
// returns the private answer, which a modal gets as an ephemeral message in the card's channel.
func (s *apStack) cancelFromCard(t *testing.T, user string, c card, reason string) string {
	t.Helper()
	before := len(s.slack.Views())
	seen := len(s.slack.Snapshot().Ephemerals)
	s.click(t, user, c, "mde_cancel", "")
	snap := s.wait(t, "the Cancel modal", func(sn *slackfake.Snapshot) bool { return len(sn.Views) > before })
	v := snap.Views[len(snap.Views)-1]
	if v.CallbackID != "mde_cancel_reason" || v.UserID != user {
		t.Fatalf("modal %+v", v)
	}
	if _, err := s.slack.ViewSubmission(t.Context(), slackfake.ViewSubmission{UserID: user, ViewID: v.ID,
		Values: map[string]map[string]slackfake.InputValue{"reason": {"reason": {Value: reason}}}}); err != nil {
		t.Fatal(err)
	}
	answer := func(sn *slackfake.Snapshot) string {
		for _, e := range sn.Ephemerals[min(seen, len(sn.Ephemerals)):] {
			if e.User == user && e.Channel == cardChan && e.Via == "chat.postEphemeral" {
				return e.Text
			}
		}
		return ""
	}
	return answer(s.wait(t, "the answer to the cancel", func(sn *slackfake.Snapshot) bool { return answer(sn) != "" }))
}

// TestCancelButtonFollowsPolicy guarantees that the Cancel button of an approval card meets the
// same approval policy as `/mde cancel <id> <reason>`: with cancel=never both are refused and
// nothing is sent to Defender.
func TestCancelButtonFollowsPolicy(t *testing.T) {
	t.Parallel()
	s := startApprovals(t, apOptions{env: map[string]string{"MDEBOT_APPROVAL_POLICY": "cancel=never"}})
	c := s.request(t, resp, "isolate laptop-bob.contoso.com beacon")
	s.click(t, lead, c, "mde_approve", "")
	s.waitCard(t, c, `"Cancel"`)

	acts := s.actionPosts("/isolate")
	if len(acts) != 1 {
		t.Fatalf("%d isolate calls", len(acts))
	}
	// The slash command is refused by the policy.
	ap, _ := s.apps[0].appr.flow.Get(t.Context(), c.id)
	if reply := s.ask(t, resp, "cancel "+ap.ActionID+" changed my mind"); !strings.Contains(reply, "cannot be requested from chat") {
		t.Fatalf("cancel=never did not refuse the slash command: %q", reply)
	}
	// So is the card's button, with the same words.
	if got := s.cancelFromCard(t, resp, c, "changed my mind"); !strings.Contains(got, "cannot be requested from chat") {
		t.Errorf("cancel=never did not refuse the Cancel button: %q", got)
	}
	if n := len(s.actionPosts("/cancel")); n != 0 {
		t.Errorf("the card's Cancel button sent %d cancel calls to MDE although MDEBOT_APPROVAL_POLICY says cancel=never", n)
	}
}

// TestCancelButtonWithoutApproval guarantees that with cancel=0 the Cancel button cancels at once,
// and that the card of the cancelled action shows who cancelled it.
func TestCancelButtonWithoutApproval(t *testing.T) {
	t.Parallel()
	s := startApprovals(t, apOptions{env: map[string]string{"MDEBOT_APPROVAL_POLICY": "cancel=0"}})
	c := s.request(t, resp, "isolate laptop-bob.contoso.com beacon")
	s.click(t, lead, c, "mde_approve", "")
	s.waitCard(t, c, `"Cancel"`)
	if got := s.cancelFromCard(t, boss, c, "wrong device"); !strings.Contains(got, "needs no approval") {
		t.Errorf("answer to the cancel: %q", got)
	}
	s.waitCard(t, c, "Cancelled")
	s.waitThread(t, c, "The Defender action was cancelled by <@U0BOSS>")
	if n := len(s.actionPosts("/cancel")); n != 1 {
		t.Errorf("%d cancel calls, want 1", n)
	}
	if text := s.cardText(c); strings.Contains(text, `"Cancel"`) || !strings.Contains(text, "wrong device") {
		t.Errorf("the cancelled card: %s", text)
	}
}
