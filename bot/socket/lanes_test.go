package socket

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdebot/mdebot/bot/interact"
	"github.com/mdebot/mdebot/commands"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// clockAPI is a Slack Web API that notes, on the bubble's clock, when each modal opened.
type clockAPI struct {
	fakeAPI
	mu     sync.Mutex
	opens  []time.Time
	modals []string
}

func (c *clockAPI) OpenViewContext(ctx context.Context, trigger string, v slack.ModalViewRequest) (*slack.ViewResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := ctx.Deadline(); !ok {
		c.modals = append(c.modals, "no deadline")
	}
	c.opens = append(c.opens, time.Now())
	c.modals = append(c.modals, trigger+"/"+v.CallbackID)
	return &slack.ViewResponse{}, nil
}

// huntVerb is a hunt (a verb allowed longer than the default timeout, so the slow lane's) that
// runs for 3 minutes.
func huntVerb(started chan<- string) *commands.Verb {
	return &commands.Verb{Name: "hunt", Role: commands.Viewer, Timeout: 4 * time.Minute,
		Run: func(ctx context.Context, c *commands.Call) (commands.Response, error) {
			started <- c.UserID
			select {
			case <-time.After(3 * time.Minute):
			case <-ctx.Done():
			}
			return commands.Response{Text: "hunted"}, nil
		}}
}

// newBubbleBot runs a bot inside the synctest bubble of the caller, without a network: answers
// go to the API's ephemeral messages.
func newBubbleBot(t *testing.T, api slackAPI, opts Options, setup func(*Bot), verbs ...*commands.Verb) (chan socketmode.Event, *fakeAcker) {
	t.Helper()
	reg := commands.NewRegistry()
	if err := reg.Add(verbs...); err != nil {
		t.Fatal(err)
	}
	router := commands.NewRouter(reg, commands.NewAuthorizer(commands.Policy{}, nil, 0, nil), nil, nil)
	events, acker := make(chan socketmode.Event), &fakeAcker{acks: make(chan ackRec, 1000)}
	b := New(discardLogger(), events, acker, api, router, nil, opts)
	setup(b)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return events, acker
}

func slashEvent(id, user, text string) socketmode.Event {
	return socketmode.Event{Type: socketmode.EventTypeSlashCommand, Data: slack.SlashCommand{UserID: user, ChannelID: "C1", Text: text},
		Request: &socketmode.Request{Type: "slash_commands", EnvelopeID: id}}
}

func clickEvent(id, user, actionID, value string) socketmode.Event {
	cb := slack.InteractionCallback{Type: slack.InteractionTypeBlockActions, User: slack.User{ID: user}, TriggerID: "trig-" + id,
		Channel: slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: "C1"}}}}
	cb.ActionCallback.BlockActions = []*slack.BlockAction{{ActionID: actionID, BlockID: "b", Value: value}}
	return socketmode.Event{Type: socketmode.EventTypeInteractive, Data: cb, Request: &socketmode.Request{Type: "interactive", EnvelopeID: id}}
}

// Every hunting worker is busy with a 3-minute hunt and more hunts wait; a click on Deny still
// opens its modal at once (with a deadline under Slack's 3 s), and a click on Approve still runs
// at once, on the bubble's clock. With one shared queue both clicks waited 3 minutes.
func TestClicksDoNotWaitBehindHunts(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		api := &clockAPI{}
		approved := make(chan time.Time, 1)
		started := make(chan string, 10)
		events, acker := newBubbleBot(t, api, Options{Slow: LaneOptions{Workers: 2, Queue: 2}}, func(b *Bot) {
			b.HandleModal("deny", func(cb slack.InteractionCallback, a slack.BlockAction) (interact.Modal, bool) {
				return interact.Modal{View: slack.ModalViewRequest{Type: slack.VTModal, CallbackID: "deny_reason"}, IfNotOpened: "try again"}, true
			})
			b.HandleButton("approve", func(context.Context, slack.InteractionCallback, slack.BlockAction) { approved <- time.Now() })
		}, huntVerb(started))
		for i := range 4 { // two run, two wait: the slow lane is full
			events <- slashEvent("H"+itoa(i), "U"+itoa(i), "hunt DeviceEvents | take 1")
			<-acker.acks
		}
		<-started
		<-started
		synctest.Wait()
		clicked := time.Now()
		events <- clickEvent("D1", "U9", "deny", "req-1")
		<-acker.acks
		events <- clickEvent("A1", "U9", "approve", "req-1")
		<-acker.acks
		at := <-approved
		synctest.Wait()
		api.mu.Lock()
		defer api.mu.Unlock()
		if len(api.opens) != 1 || api.modals[0] != "trig-D1/deny_reason" {
			t.Fatalf("modals opened: %v", api.modals)
		}
		if d := api.opens[0].Sub(clicked); d > time.Second {
			t.Errorf("the Deny modal opened %v after the click; Slack's trigger_id lasts 3 s", d)
		}
		if d := at.Sub(clicked); d > time.Second {
			t.Errorf("Approve ran %v after the click, behind the hunts", d)
		}
	})
}

// One person may have only PerUser requests in a lane at once; beyond it they are told the limit
// by name and nothing runs, while others go on.
func TestPerUserLimits(t *testing.T) {
	t.Parallel()
	started, release := make(chan struct{}, 10), make(chan struct{})
	h := newHarness(t, Options{Lookups: LaneOptions{PerUser: 2}, UserRate: -1}, blockingVerb(started, release), echoVerb())
	for _, id := range []string{"E1", "E2"} {
		h.slash(id, "U1", "slow")
		if a := h.ack(); a.payload != nil {
			t.Fatalf("ack of %s = %+v", id, a)
		}
	}
	h.slash("E3", "U1", "slow")
	if p := ackText(h.ack()); !strings.Contains(p, "You have 2 requests for look-ups running; the limit is 2 at a time") {
		t.Fatalf("third request ack = %s", p)
	}
	h.click("E4", "U1", "mde_run", "echo from a button")
	h.ack()
	if p := h.post(); p.path != "/r/E4" || !strings.Contains(p.msg.Text, "the limit is 2 at a time") {
		t.Fatalf("refused click answer = %+v", p)
	}
	h.slash("E5", "U2", "echo other person")
	h.ack()
	if p := h.post(); p.path != "/r/E5" || !strings.Contains(p.msg.Text, "other person") {
		t.Fatalf("another person's answer = %+v", p)
	}
	close(release)
	h.post()
	h.post()
}

// One person may start only UserRate requests in a minute; the next is refused naming the limit,
// and a minute later they may again.
func TestPerUserRate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	h := newHarness(t, Options{Lookups: LaneOptions{PerUser: -1}, UserRate: 3, Now: clock}, echoVerb())
	for _, id := range []string{"E1", "E2", "E3"} {
		h.slash(id, "U1", "echo ok")
		h.ack()
		h.post()
	}
	h.slash("E4", "U1", "echo too many")
	if p := ackText(h.ack()); !strings.Contains(p, "You sent more than 3 commands a minute") || !strings.Contains(p, "Nothing was run: try again in 1m0s") {
		t.Fatalf("over-rate ack = %s", p)
	}
	h.slash("E5", "U2", "echo someone else")
	h.ack()
	if p := h.post(); !strings.Contains(p.msg.Text, "someone else") {
		t.Fatalf("another person = %+v", p)
	}
	mu.Lock()
	now = now.Add(61 * time.Second)
	mu.Unlock()
	h.slash("E6", "U1", "echo later")
	if a := h.ack(); a.payload != nil {
		t.Fatalf("a minute later the ack = %+v", a)
	}
	if p := h.post(); !strings.Contains(p.msg.Text, "later") {
		t.Fatalf("a minute later = %+v", p)
	}
}

func ackText(a ackRec) string {
	m, _ := a.payload.(map[string]string)
	return m["text"]
}
