package main

import (
	"strings"
	"testing"
	"time"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/defender/mdefake"
)

// The whole flow over the real wiring and the fakes: refused requests and clicks, then request
// -> card -> Approve -> exactly one MDE call with the expected body -> the card followed to
// Succeeded, with the audit trail in Redis, in the audit channel and in `audit`.
func TestApprovalEndToEnd(t *testing.T) {
	t.Parallel()
	s := startApprovals(t, apOptions{})
	if reply := s.ask(t, watcher, "isolate laptop-alice.contoso.com beacon"); !strings.Contains(reply, "needs the responder role") {
		t.Errorf("a viewer's request: %q", reply)
	}
	c := s.request(t, resp, "isolate laptop-alice.contoso.com ransomware beacon to 203.0.113.7")
	text := s.cardText(c)
	for _, want := range []string{`"Approve"`, `"Deny"`, `\u003c@U0RESP\u003e`, "ransomware beacon", "Workstations", "Open alerts", "needs 1 approval"} {
		if !strings.Contains(text, want) {
			t.Errorf("the card lacks %q:\n%s", want, text)
		}
	}
	other := s.request(t, boss, "restrict laptop-bob.contoso.com webshell")
	refused := []struct {
		name, user string
		c          card
		value      string
		want       string
	}{
		{"self-approval", boss, other, "", "You asked for this, so you cannot approve it"},
		{"not an approver", watcher, c, "", "Only approvers can approve"},
		{"unknown id", lead, c, "req-zzzzzzzz", "does not belong to a request mdebot knows"},
		{"another request's id", lead, c, other.id, "does not belong to the request on this card"},
		{"tampered value", lead, c, c.id + `","verb":"offboard`, "does not belong to a request mdebot knows"},
	}
	for _, r := range refused {
		if got := s.answer(t, s.click(t, r.user, r.c, "mde_approve", r.value)); !strings.Contains(got, r.want) {
			t.Errorf("%s: %q, want %q", r.name, got, r.want)
		}
	}
	if n := len(s.actionPosts("/machines/")); n != 0 {
		t.Fatalf("%d actions sent before any approval", n)
	}
	s.click(t, lead, c, "mde_approve", "")
	s.waitCard(t, c, "Defender action")
	posts := s.actionPosts("/isolate")
	if len(posts) != 1 {
		t.Fatalf("%d isolate calls, want 1", len(posts))
	}
	want := "mdebot " + c.id + ": isolate (Full) requested by U0RESP (reason: ransomware beacon to 203.0.113.7), approved by U0LEAD"
	if posts[0]["Comment"] != want || posts[0]["IsolationType"] != "Full" {
		t.Errorf("isolate body %v, want Comment %q", posts[0], want)
	}
	if got := s.answer(t, s.click(t, lead2, c, "mde_approve", c.id)); !strings.Contains(got, "already approved") {
		t.Errorf("a late click: %q", got)
	}
	for _, step := range []struct {
		advance time.Duration
		want    string
	}{{15 * time.Second, "InProgress"}, {20 * time.Second, "Succeeded"}} {
		s.mde.Fake.Advance(step.advance)
		s.clock.Advance(step.advance)
		s.sweep(t)
		s.waitCard(t, c, step.want)
	}
	s.waitCard(t, c, "✅ Done")
	if n := len(s.actionPosts("/machines/")); n != 1 {
		t.Errorf("%d actions sent, want 1", n)
	}
	s.waitThread(t, c, "<@U0RESP> Approved by <@U0LEAD>. Done: Defender action")
	s.waitThread(t, c, "Defender finished isolate on `laptop-alice.contoso.com`: Succeeded")
	audit := string(s.askPost(t, resp, "audit "+c.id).Blocks)
	for _, ev := range []string{"requested", "approved", "executing", "executed", "succeeded"} {
		if !strings.Contains(audit, ev) {
			t.Errorf("audit lacks %q:\n%s", ev, audit)
		}
	}
	s.wait(t, "the audit channel", func(sn *slackfake.Snapshot) bool {
		n := 0
		for _, m := range sn.Messages {
			if m.Channel == auditCh && strings.Contains(m.Text, c.id) {
				n++
			}
		}
		return n >= 5
	})
	for _, m := range s.slack.Messages() {
		if m.Channel == auditCh && strings.Contains(m.Text+string(m.Blocks), "<@") {
			t.Errorf("the audit channel mentions someone: %s", m.Text)
		}
	}
	for _, m := range s.slack.Mentions() {
		if strings.HasPrefix(m, "<!") {
			t.Errorf("a broadcast was posted: %s", m)
		}
	}
}

// Deny with a reason through the modal; expiry by the sweeper; a late click; cancel from the
// card; and an action already pending in MDE shown as such without a second call.
func TestApprovalDenyExpireCancel(t *testing.T) {
	t.Parallel()
	s := startApprovals(t, apOptions{})
	denied := s.request(t, resp, "collect laptop-bob.contoso.com suspicious")
	s.denyWith(t, lead, denied, "not enough evidence yet")
	s.waitCard(t, denied, "not enough evidence yet")
	s.waitThread(t, denied, "denied by <@U0LEAD>: not enough evidence yet")

	late := s.request(t, resp, "restrict laptop-alice.contoso.com maybe")
	s.clock.Advance(31 * time.Minute)
	s.sweep(t)
	s.waitCard(t, late, "Expired")
	s.waitThread(t, late, "expired without enough approvals")
	if got := s.answer(t, s.click(t, lead, late, "mde_approve", late.id)); !strings.Contains(got, "expired") {
		t.Errorf("a click after expiry: %q", got)
	}

	// Someone isolated alice in the portal; the bot's isolate finds it pending and sends nothing.
	if _, err := s.mde.Client.Isolate(t.Context(), mdefake.MachineID(mdefake.DemoAlice), "portal", "Full"); err != nil {
		t.Fatal(err)
	}
	dup := s.request(t, resp, "isolate laptop-alice.contoso.com beacon")
	s.click(t, lead, dup, "mde_approve", "")
	s.waitCard(t, dup, "already had this action pending")
	if n := len(s.actionPosts("/isolate")); n != 1 {
		t.Errorf("%d isolate calls, want only the portal's", n)
	}

	// Cancel from the card asks for an approval by default, like the slash command: the cancel
	// gets its own card, and only the approval sends it to Defender.
	c := s.request(t, resp, "isolate laptop-bob.contoso.com beacon")
	s.click(t, lead, c, "mde_approve", "")
	s.waitCard(t, c, `"Cancel"`)
	answer := s.cancelFromCard(t, resp, c, "wrong device")
	id := requestID.FindString(answer)
	if id == "" || id == c.id || !strings.Contains(answer, "is waiting for an approver other than you") {
		t.Fatalf("answer to the cancel: %q", answer)
	}
	snap := s.wait(t, "the card of the cancel", func(sn *slackfake.Snapshot) bool { return s.findCard(sn, id) != "" })
	cc := card{id: id, ts: s.findCard(snap, id)}
	if text := s.cardText(cc); !strings.Contains(text, c.id) || !strings.Contains(text, "Action to cancel") {
		t.Errorf("card of the cancel: %s", text)
	}
	if n := len(s.actionPosts("/cancel")); n != 0 {
		t.Fatalf("%d cancel calls before the approval", n)
	}
	s.click(t, lead, cc, "mde_approve", "")
	s.waitCard(t, c, "Cancelled")
	s.waitThread(t, c, "The Defender action was cancelled by <@U0RESP> (request "+id+"): wrong device")
	if n := len(s.actionPosts("/cancel")); n != 1 {
		t.Errorf("%d cancel calls, want 1", n)
	}
	if strings.Contains(s.cardText(c), `"Cancel"`) {
		t.Errorf("a cancelled action still offers Cancel")
	}
}

// A quorum of two with a protected device group, and a tag that forbids chat.
func TestApprovalQuorumAndProtected(t *testing.T) {
	t.Parallel()
	s := startApprovals(t, apOptions{env: map[string]string{"MDEBOT_PROTECTED": "group:Servers=2; tag:tier0=never"}})
	if reply := s.ask(t, resp, "isolate dc01.contoso.com lateral movement"); !strings.Contains(reply, "never from chat") {
		t.Errorf("tier0: %q", reply)
	}
	c := s.request(t, resp, "restrict web01.contoso.com webshell")
	if !strings.Contains(s.cardText(c), "needs 2 approvals") || !strings.Contains(s.cardText(c), "device group Servers") {
		t.Errorf("card %s", s.cardText(c))
	}
	if got := s.answer(t, s.click(t, lead, c, "mde_approve", "")); !strings.Contains(got, "1 of 2; still needed: 1") {
		t.Errorf("first approval: %q", got)
	}
	s.waitCard(t, c, "1 of 2 given: \\u003c@U0LEAD\\u003e · needs 1 more approval")
	if got := s.answer(t, s.click(t, lead, c, "mde_approve", "")); !strings.Contains(got, "already approved") {
		t.Errorf("same approver again: %q", got)
	}
	if n := len(s.actionPosts("/restrictCodeExecution")); n != 0 {
		t.Fatalf("ran with one approval")
	}
	s.click(t, lead2, c, "mde_approve", "")
	s.waitCard(t, c, "Defender action")
	posts := s.actionPosts("/restrictCodeExecution")
	if len(posts) != 1 || !strings.HasSuffix(posts[0]["Comment"].(string), "approved by U0LEAD, U0LEAD2") {
		t.Errorf("restrict calls %v", posts)
	}

	// A collection's package link (a signed download of the device's forensic data) goes to the
	// requester and the approver by direct message once MDE has it, never into a channel; the
	// card's thread says who got it. It used to be posted in the card's thread.
	col := s.request(t, resp, "collect laptop-bob.contoso.com phishing follow-up")
	s.click(t, lead, col, "mde_approve", "")
	s.waitCard(t, col, "Defender action")
	s.mde.Fake.Advance(35 * time.Second)
	s.clock.Advance(35 * time.Second)
	s.sweep(t)
	s.waitCard(t, col, "✅ Done")
	s.waitThread(t, col, "its link was sent by direct message to <@"+lead+">, <@"+resp+">")
	snap := s.wait(t, "the package link by direct message", func(sn *slackfake.Snapshot) bool {
		n := 0
		for _, m := range sn.Messages {
			if (m.Channel == "D"+resp[1:] || m.Channel == "D"+lead[1:]) && strings.Contains(m.Text, "The investigation package is ready: <https://") {
				n++
			}
		}
		return n == 2
	})
	for _, m := range snap.Messages {
		if m.Channel[0] != 'D' && strings.Contains(m.Text+string(m.Blocks), "investigation package is ready: <https://") {
			t.Errorf("the package link was posted in %s: %s", m.Channel, m.Text)
		}
	}
}
