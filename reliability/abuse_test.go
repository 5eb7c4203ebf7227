package reliability

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/defender/mdefake"
)

// hostile are the argument values every verb is given.
var hostile = map[string]string{
	"OData quoting":       "x' or 1 eq 1 or name eq '",
	"Slack markup":        "<!channel> <!here> <!subteam^S0ALL> <@U0VICTIM> *bold* <https://evil.example|click>",
	"control characters":  "a\x00b\x1b[31mc\r\nd\u202ee\u200bf",
	"40 KB":               strings.Repeat("A", 40<<10),
	"unicode look-alikes": "lаptop-аlice.contoso.com", // Cyrillic a
	"path characters":     "../../api/machines/x?$filter=a#b%2e%2e%2f",
}

var hostileUsers = []string{"U0HOST1", "U0HOST2", "U0HOST3", "U0HOST4", "U0HOST5", "U0HOST6"}

// verbs are every verb with its argument slot (%s) and what follows it.
var verbs = []string{
	"help %s", "alerts %s", "alert %s", "alert %s assign", "alert %s resolve", "alert %s comment x",
	"machine %s", "machines %s", "isolate %s reason", "release %s reason", "restrict %s reason",
	"unrestrict %s reason", "scan %s reason", "collect %s reason", "quarantine %s " + mdefake.DemoAlice + " reason",
	"quarantine " + mdefake.FakeSHA1("x") + " %s reason", "block %s reason", "unblock %s reason", "indicators %s",
	"actions %s", "action %s", "cancel %s reason", "file %s", "ip %s", "domain %s", "user %s", "hunt %s",
	"audit %s", "mute %s for 1h reason", "mute title %s for 1h reason", "mutes %s", "unmute %s",
	"isolate %s for 1h reason", "tag %s t reason", "untag %s t reason", "status %s", "%s",
}

// TestAbuse gives every verb hostile input and forges clicks, then checks that nothing ran in
// MDE that nobody approved, nothing was broadcast or mentioned, every command was answered, and
// no secret reached a log or Slack.
func TestAbuse(t *testing.T) {
	need(t)
	t.Parallel()
	const sc = "abuse (2 replicas)"
	s := newStack(t, stackOptions{replicas: 2, env: map[string]string{"MDEBOT_APPROVAL_TTL": "1m",
		"MDEBOT_RESPONDERS": responder + "," + strings.Join(hostileUsers, ",")}})
	seeded := len(s.mde.Actions()) // the demo tenant's past actions
	expiring := s.request("isolate " + mdefake.DemoLinux + " expires unapproved")
	expiresAt := time.Now().Add(time.Minute)

	// Six hostile responders, each waiting for the answer before its next command, so that the
	// bot parses every input rather than turning it away for the per-user limit.
	cmds := newCommander(s)
	jobs := make(chan string)
	var wg sync.WaitGroup
	for _, u := range hostileUsers {
		wg.Go(func() {
			for text := range jobs {
				env, err := cmds.send(u, text)
				if err != nil {
					continue
				}
				ctx, cancel := contextWithTimeout(t, time.Minute)
				_, _ = s.slack.WaitFor(ctx, func(sn *slackfake.Snapshot) bool { _, ok := answered(sn, env.ID); return ok })
				cancel()
			}
		})
	}
	for _, v := range verbs {
		for _, h := range hostile {
			jobs <- strings.ReplaceAll(v, "%s", h)
		}
	}
	close(jobs)
	wg.Wait()
	cc := cmds.wait(3 * time.Minute)
	results.add(sc, "hostile input: %d verbs x %d kinds: %s", len(verbs), len(hostile), cc)
	if cc.unanswered > 0 {
		t.Errorf("hostile input: %s", cc)
	}

	a := s.request("isolate " + mdefake.DemoAlice + " real request")
	b := s.request("isolate " + mdefake.DemoBob + " another request")
	forged := []struct {
		name                   string
		user, value, ch, msgTS string
	}{
		{"card A carrying request B's id", approver, b.id, "", ""},
		{"an unknown request id", approver, "req-aaaaaaaa", "", ""},
		{"a viewer approving", viewer, "", "", ""},
		{"a member in no role approving", stranger, "", "", ""},
		{"the requester approving", responder, "", "", ""},
		{"from another channel", approver, a.id, socChan, ""},
		{"from another message (card B)", approver, a.id, cardChan, b.ts},
	}
	clicks := newCommander(s)
	ranByForged := 0
	for _, f := range forged {
		before := len(s.mde.Actions())
		env := s.click(f.user, a, "mde_approve", f.value, f.ch, f.msgTS)
		clicks.sent[env.ID] = time.Now()
		ctx, cancel := contextWithTimeout(t, 20*time.Second)
		sn, _ := s.slack.WaitFor(ctx, func(sn *slackfake.Snapshot) bool { _, ok := answered(sn, env.ID); return ok })
		cancel()
		eventually(t, 3*time.Second, func() bool { return len(s.mde.Actions()) > before }) // an action would follow the answer at once
		answer, _ := answered(sn, env.ID)
		if n := len(s.mde.Actions()) - before; n > 0 {
			ranByForged += n
			results.add(sc, "FINDING: forged click %q ran %d MDE action(s); answer %.150q", f.name, n, answer)
			t.Errorf("forged click %q ran %d MDE action(s)", f.name, n)
		}
	}
	fc := clicks.wait(30 * time.Second)
	results.add(sc, "forged clicks %d: answered %d, unanswered %d, ran something %d", len(forged), fc.answered, fc.unanswered, ranByForged)
	ranBefore := len(s.mde.Actions()) - seeded
	if s.executed(a.id) == 0 {
		s.click(approver, a, "mde_approve")
	}
	waitUntil(t, 60*time.Second, "the approved isolation", func() bool { return s.executed(a.id) > 0 })
	replays := []slackfake.Envelope{s.click(approver2, a, "mde_approve"), s.click(approver, a, "mde_approve")}

	waitFor(t, time.Until(expiresAt))
	s.waitSlack("the expired card", 30*time.Second, func(sn *slackfake.Snapshot) bool {
		m, _ := sn.Message(cardChan, expiring.ts)
		return strings.Contains(strings.ToLower(string(m.Blocks)), "expired")
	})
	replays = append(replays, s.click(approver, expiring, "mde_approve"))
	for _, e := range replays {
		clicks.sent[e.ID] = time.Now()
	}
	rc := clicks.wait(30 * time.Second)
	results.add(sc, "clicks after the decision or expiry %d: answered %d, unanswered %d", len(replays), rc.answered-fc.answered, rc.unanswered)

	executions := map[string]int{"A (approved once, then replayed)": s.executed(a.id), "B (only forged clicks)": s.executed(b.id),
		"expired (clicked after expiry)": s.executed(expiring.id)}
	results.add(sc, "new MDE actions before the real approval: %d; after it and %d replays: A %d, B %d, expired %d",
		ranBefore, len(replays), executions["A (approved once, then replayed)"], executions["B (only forged clicks)"], executions["expired (clicked after expiry)"])
	if ranBefore != 0 || executions["A (approved once, then replayed)"] != 1 || executions["B (only forged clicks)"] != 0 || executions["expired (clicked after expiry)"] != 0 {
		t.Errorf("forged or replayed clicks ran something: before the approval %d actions, then %v", ranBefore, executions)
	}

	var bad []string
	for _, m := range s.slack.Mentions() {
		if strings.HasPrefix(m, "<!") || m == "<@U0VICTIM>" {
			bad = append(bad, m)
		}
	}
	results.add(sc, "broadcasts or planted mentions posted: %d %v", len(bad), bad)
	if len(bad) > 0 {
		t.Errorf("hostile input made the bot post %v", bad)
	}
	strays := 0
	for _, r := range s.mde.Requests() {
		if strings.Contains(r.Path, "..") || strings.Contains(strings.ToLower(r.RawQuery+r.Path), "%2e%2e") || (r.Method == http.MethodPost && !strings.Contains(r.Path, "oauth2") &&
			!strings.Contains(r.Path, "advancedqueries") && !strings.Contains(strings.ToLower(r.Path), "runhuntingquery") && !strings.Contains(string(r.Body), a.id)) {
			strays++
			t.Errorf("MDE got %s %s?%s %.200s", r.Method, r.Path, r.RawQuery, r.Body)
		}
	}
	results.add(sc, "MDE requests with path tricks or writes nobody approved: %d", strays)
	if s.alive() != 2 {
		t.Errorf("a replica died under hostile input:\n%s", s.logTail())
	}
	s.checkSecrets(sc)
}
