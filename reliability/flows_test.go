package reliability

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/defender/mdefake"
)

// routes is MDEBOT_ALERT_ROUTES sending the alerts of device group RelGnn to channel C0RELnn.
func routes(channels int) string {
	var rules []string
	for i := 1; i <= channels; i++ {
		rules = append(rules, fmt.Sprintf("group=RelG%02d -> C0REL%02d", i, i))
	}
	return strings.Join(rules, ";")
}

// alertSource adds alerts to the MDE fake spread over channels device groups, and remembers
// where each must be posted.
type alertSource struct {
	s        *stack
	machines []mdefake.Machine
	mu       sync.Mutex
	want     []string // channel/alert id
}

func newAlertSource(s *stack, channels int) *alertSource {
	a := &alertSource{s: s}
	for i := 1; i <= channels; i++ {
		a.machines = append(a.machines, s.mde.AddMachine(mdefake.Machine{ComputerDNSName: fmt.Sprintf("rel-g%02d.contoso.com", i),
			OSPlatform: "Windows11", RBACGroupName: fmt.Sprintf("RelG%02d", i), HealthStatus: "Active"}))
	}
	return a
}

// add adds n new alerts, round robin over the channels, stamped with the present time.
func (a *alertSource) add(n int) {
	sevs := []string{"Informational", "Low", "Medium", "High"}
	a.mu.Lock()
	defer a.mu.Unlock()
	for range n {
		i := len(a.want)
		m := a.machines[i%len(a.machines)]
		got := a.s.mde.AddAlert(mdefake.Alert{MachineID: m.ID, Severity: sevs[i%len(sevs)], Status: "New",
			Category: "Execution", DetectionSource: "WindowsDefenderAtp", Title: fmt.Sprintf("Reliability alert %d", i),
			LastUpdateTime: time.Now().UTC(), AlertCreationTime: time.Now().UTC()})
		a.want = append(a.want, fmt.Sprintf("C0REL%02d/%s", i%len(a.machines)+1, got.ID))
	}
}

// stream adds n alerts evenly over d, in small batches, until done or the test ends.
func (a *alertSource) stream(n int, d time.Duration) {
	const batches = 100
	per := max(n/batches, 1)
	every := d / time.Duration(max(n/per, 1))
	for added := 0; added < n; added += per {
		a.add(min(per, n-added))
		select {
		case <-a.s.t.Context().Done():
			return
		case <-time.After(every):
		}
	}
}

func (a *alertSource) wanted() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string{}, a.want...)
}

// commander sends slash commands and remembers their envelopes, to check that each was answered
// or told to retry.
type commander struct {
	s    *stack
	mu   sync.Mutex
	sent map[string]time.Time // envelope id -> when sent
}

func newCommander(s *stack) *commander { return &commander{s: s, sent: map[string]time.Time{}} }

// send sends one command; it waits (at most 30 s) for a live socket connection.
func (c *commander) send(user, text string) (slackfake.Envelope, error) {
	ctx, cancel := contextWithTimeout(c.s.t, 30*time.Second)
	defer cancel()
	at := time.Now()
	env, err := c.s.slack.SlashCommand(ctx, slackfake.SlashCommand{UserID: user, ChannelID: socChan, Text: text})
	if err == nil {
		c.mu.Lock()
		c.sent[env.ID] = at
		c.mu.Unlock()
	}
	return env, err
}

// commandCount is the outcome of the answered-or-told-to-retry check.
type commandCount struct {
	sent, answered, retry, unanswered int
	ackP50, ackP99                    time.Duration
}

func (c commandCount) String() string {
	return fmt.Sprintf("commands %d: answered %d (of them told to retry %d), unanswered %d; ack p50 %s, p99 %s",
		c.sent, c.answered, c.retry, c.unanswered, c.ackP50, c.ackP99)
}

var retryWords = regexp.MustCompile(`(?i)try again|busy|retry|too many|slow down|cannot reach|could not reach|unavailable|timed out|in a moment`)

// wait waits (at most d) until every command is answered, then counts.
func (c *commander) wait(d time.Duration) commandCount {
	c.mu.Lock()
	ids := make([]string, 0, len(c.sent))
	for id := range c.sent {
		ids = append(ids, id)
	}
	c.mu.Unlock()
	all := func(sn *slackfake.Snapshot) bool {
		for _, id := range ids {
			if _, ok := answered(sn, id); !ok {
				return false
			}
		}
		return true
	}
	ctx, cancel := contextWithTimeout(c.s.t, d)
	defer cancel()
	sn, _ := c.s.slack.WaitFor(ctx, all)
	out := commandCount{sent: len(ids)}
	var acks []time.Duration
	for _, id := range ids {
		if a, ok := sn.Ack(id); ok {
			acks = append(acks, a.Latency)
		}
		text, ok := answered(sn, id)
		switch {
		case !ok:
			out.unanswered++
		case retryWords.MatchString(text):
			out.answered++
			out.retry++
		default:
			out.answered++
		}
	}
	out.ackP50, out.ackP99 = percentile(acks, 50), percentile(acks, 99)
	return out
}

var requestID = regexp.MustCompile(`req-[a-z2-7]{8}`)

// card is an approval card: its request id and message ts.
type card struct{ id, ts string }

// request asks for an action as the responder and returns its card once posted.
func (s *stack) request(text string) card {
	s.t.Helper()
	c := newCommander(s)
	env, err := c.send(responder, text)
	if err != nil {
		s.t.Fatal(err)
	}
	var id string
	ctx, cancel := contextWithTimeout(s.t, 60*time.Second)
	defer cancel()
	sn, err := s.slack.WaitFor(ctx, func(sn *slackfake.Snapshot) bool {
		for _, p := range sn.ResponseURLPosts(env.ID) {
			if id = requestID.FindString(p.Text + string(p.Blocks)); id != "" {
				return true
			}
		}
		return false
	})
	if err != nil {
		var got []string
		for _, p := range sn.ResponseURLPosts(env.ID) {
			got = append(got, p.Text)
		}
		s.t.Fatalf("%q: no request id in the answers %q", text, got)
	}
	var ts string
	s.waitSlack("the card of "+id, 60*time.Second, func(sn *slackfake.Snapshot) bool {
		for _, m := range sn.Messages {
			if m.Channel == cardChan && m.ThreadTS == "" && strings.Contains(string(m.Blocks), id) {
				ts = m.TS
				return true
			}
		}
		return false
	})
	return card{id: id, ts: ts}
}

// click clicks a button of a card; value, channel and ts override the card's when set.
func (s *stack) click(user string, c card, action string, over ...string) slackfake.Envelope {
	s.t.Helper()
	a := slackfake.BlockAction{UserID: user, ChannelID: cardChan, MessageTS: c.ts, ActionID: action}
	if len(over) > 0 && over[0] != "" {
		a.Value = over[0]
	}
	if len(over) > 1 && over[1] != "" {
		a.ChannelID = over[1]
	}
	if len(over) > 2 && over[2] != "" {
		a.MessageTS = over[2]
	}
	ctx, cancel := contextWithTimeout(s.t, 30*time.Second)
	defer cancel()
	env, err := s.slack.BlockAction(ctx, a)
	if err != nil {
		s.t.Fatal(err)
	}
	return env
}

// executed counts the machine actions in MDE whose comment names the request.
func (s *stack) executed(reqID string) int {
	n := 0
	for _, a := range s.mde.Actions() {
		if strings.Contains(a.RequestorComment, reqID) {
			n++
		}
	}
	return n
}
