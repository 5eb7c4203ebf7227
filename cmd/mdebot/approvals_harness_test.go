package main

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/bot/socket"
	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/defender/defendertest"
	"github.com/mdebot/mdebot/store/storetest"
	"github.com/redis/go-redis/v9"
	"github.com/sethvargo/go-envconfig"
)

// The people of the approval tests.
const (
	resp     = "U0RESP"  // responder
	lead     = "U0LEAD"  // approver
	lead2    = "U0LEAD2" // approver
	boss     = "U0BOSS"  // responder and approver
	watcher  = "U0VIEW"  // viewer only
	cardChan = "C0APPROVALS"
	auditCh  = "C0AUDIT"
)

// fakeClock is the approval workflow's injected clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// apStack is one or more full `mdebot run` wirings (replicas) sharing one Redis, one Slack fake
// (which spreads envelopes over their socket connections) and one MDE fake.
type apStack struct {
	slack *slackfake.Fake
	mde   *defendertest.Env
	clock *fakeClock
	apps  []*app
	logs  *syncBuffer
	// stops stop each replica (its socket, loops and store), once; cleanup stops the rest.
	stops []func()
}

// apOptions tune startApprovals.
type apOptions struct {
	replicas  int
	env       map[string]string
	redis     redis.UniversalClient                       // shared Redis; the embedded test server when nil
	prefix    string                                      // its key prefix (a real Redis is shared by tests)
	transport func(policy.Transporter) policy.Transporter // wraps the MDE transport
	socket    socket.Options                              // the runtime's options
	limits    defender.Limits                             // MDE's rate limits; none when nil
}

func startApprovals(t testing.TB, o apOptions) *apStack {
	t.Helper()
	env := defendertest.New(t, defendertest.Options{Seed: true})
	sf := slackfake.New(t, slackfake.Options{})
	s := &apStack{slack: sf, mde: env, clock: &fakeClock{t: env.Fake.Now()}, logs: newSyncBuffer()}
	vars := baseEnv(sf, env, "127.0.0.1:0")
	vars["MDEBOT_RESPONDERS"] = resp + "," + boss
	vars["MDEBOT_APPROVERS"] = lead + "," + lead2 + "," + boss
	vars["MDEBOT_VIEWERS"] = watcher
	vars["MDEBOT_AUDIT_CHANNEL"] = auditCh
	for k, v := range o.env {
		vars[k] = v
	}
	if o.prefix != "" {
		vars["MDEBOT_REDIS_PREFIX"] = o.prefix
	}
	if o.redis == nil {
		o.redis = storetest.Servers(t)[0].Client
	}
	var transport policy.Transporter = env.Fake.HTTPClient()
	if o.transport != nil {
		transport = o.transport(transport)
	}
	cfg, err := LoadConfig(t.Context(), envconfig.MapLookuper(vars))
	if err != nil {
		t.Fatal(err)
	}
	if o.limits == nil {
		o.limits = defender.Unlimited()
	}
	for range max(o.replicas, 1) {
		a, err := newApp(t.Context(), cfg, newLogger(cfg, s.logs), seams{transport: transport, limits: o.limits,
			approvals: approvalSeams{now: s.clock.Now, sweepEvery: -1, redis: o.redis}, socket: o.socket})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.WithoutCancel(t.Context()))
		done := make(chan error, 1)
		go func() { done <- a.serve(ctx) }()
		stop := sync.OnceFunc(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
			a.close()
		})
		t.Cleanup(stop)
		s.apps, s.stops = append(s.apps, a), append(s.stops, stop)
	}
	s.wait(t, "every replica connected", func(sn *slackfake.Snapshot) bool { return sn.Live == len(s.apps) })
	return s
}

// wait waits (at most 20 s) for cond.
func (s *apStack) wait(t testing.TB, what string, cond func(*slackfake.Snapshot) bool) *slackfake.Snapshot {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	snap, err := s.slack.WaitFor(ctx, cond)
	if err != nil {
		t.Fatalf("waiting for %s: %v\nlogs:\n%s", what, err, tail(s.logs.String(), 4000))
	}
	return snap
}

func tail(s string, n int) string { return s[max(0, len(s)-n):] }

// ask sends a slash command and returns the text of its first reply.
func (s *apStack) ask(t testing.TB, user, text string) string {
	t.Helper()
	return s.askPost(t, user, text).Text
}

// askPost sends a slash command and returns its first reply.
func (s *apStack) askPost(t testing.TB, user, text string) slackfake.ResponsePost {
	t.Helper()
	env, err := s.slack.SlashCommand(t.Context(), slackfake.SlashCommand{UserID: user, ChannelID: "C0SOC", Text: text})
	if err != nil {
		t.Fatal(err)
	}
	snap := s.wait(t, "a reply to "+text, func(sn *slackfake.Snapshot) bool { return len(answers(sn, env.ID)) > 0 })
	return answers(snap, env.ID)[0]
}

var requestID = regexp.MustCompile(`req-[a-z2-7]{8}`)

// card is an approval card: its request and message.
type card struct{ id, ts string }

// request asks for an action and returns its card once posted.
func (s *apStack) request(t testing.TB, user, text string) card {
	t.Helper()
	reply := s.ask(t, user, text)
	id := requestID.FindString(reply)
	if id == "" || !strings.Contains(reply, "The card is <https://") {
		t.Fatalf("%q: no request in the reply %q", text, reply)
	}
	snap := s.wait(t, "the card of "+id, func(sn *slackfake.Snapshot) bool { return s.findCard(sn, id) != "" })
	return card{id: id, ts: s.findCard(snap, id)}
}

func (s *apStack) findCard(sn *slackfake.Snapshot, id string) string {
	for _, m := range sn.Messages {
		if m.Channel == cardChan && m.ThreadTS == "" && strings.Contains(string(m.Blocks), id) {
			return m.TS
		}
	}
	return ""
}

// click clicks a card's button as user; value overrides the button's own value when set.
func (s *apStack) click(t testing.TB, user string, c card, action, value string) slackfake.Envelope {
	t.Helper()
	env, err := s.slack.BlockAction(t.Context(), slackfake.BlockAction{UserID: user, ChannelID: cardChan, MessageTS: c.ts, ActionID: action, Value: value})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// answer waits for the private answer to a click and returns its text.
func (s *apStack) answer(t testing.TB, env slackfake.Envelope) string {
	t.Helper()
	snap := s.wait(t, "the answer to a click", func(sn *slackfake.Snapshot) bool { return len(answers(sn, env.ID)) > 0 })
	return answers(snap, env.ID)[0].Text
}

// cardText is the card's current blocks, as JSON text.
func (s *apStack) cardText(c card) string {
	m, _ := s.slack.Message(cardChan, c.ts)
	return string(m.Blocks)
}

// waitCard waits until the card shows want.
func (s *apStack) waitCard(t testing.TB, c card, want string) {
	t.Helper()
	s.wait(t, "the card showing "+want, func(sn *slackfake.Snapshot) bool {
		m, _ := sn.Message(cardChan, c.ts)
		return strings.Contains(string(m.Blocks), want)
	})
}

// waitThread waits for a reply under a card containing want.
func (s *apStack) waitThread(t testing.TB, c card, want string) {
	t.Helper()
	s.wait(t, "a reply under the card with "+want, func(sn *slackfake.Snapshot) bool {
		for _, m := range sn.Messages {
			if m.Channel == cardChan && m.ThreadTS == c.ts && strings.Contains(m.Text, want) {
				return true
			}
		}
		return false
	})
}

// actionPosts counts the POSTs of response actions the MDE fake received.
func (s *apStack) actionPosts(part string) []map[string]any {
	var out []map[string]any
	for _, r := range s.mde.Fake.Requests() {
		if r.Method == http.MethodPost && strings.Contains(strings.ToLower(r.Path), strings.ToLower(part)) {
			var body map[string]any
			_ = json.Unmarshal(r.Body, &body)
			out = append(out, body)
		}
	}
	return out
}

// sweep runs one sweep on the first replica.
func (s *apStack) sweep(t testing.TB) {
	t.Helper()
	if err := s.apps[0].appr.cards.Sweep(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// denyWith clicks Deny as user and submits reason in the modal it opens.
func (s *apStack) denyWith(t testing.TB, user string, c card, reason string) {
	t.Helper()
	before := len(s.slack.Views())
	s.click(t, user, c, "mde_deny", "")
	snap := s.wait(t, "the Deny modal", func(sn *slackfake.Snapshot) bool { return len(sn.Views) > before })
	v := snap.Views[len(snap.Views)-1]
	if v.CallbackID != "mde_deny_reason" || v.UserID != user {
		t.Fatalf("modal %+v", v)
	}
	_, err := s.slack.ViewSubmission(t.Context(), slackfake.ViewSubmission{UserID: user, ViewID: v.ID,
		Values: map[string]map[string]slackfake.InputValue{"reason": {"reason": {Value: reason}}}})
	if err != nil {
		t.Fatal(err)
	}
}
