package socket

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mdebot/mdebot/bot/interact"
	"github.com/mdebot/mdebot/bot/render"
	"github.com/mdebot/mdebot/commands"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

func TestSlashCommandAckedThenAnswered(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{}, echoVerb())
	h.slash("E1", "U1", "echo hello <@U2>")
	if a := h.ack(); a.envelope != "E1" || a.payload != nil {
		t.Fatalf("ack = %+v", a)
	}
	p := h.post()
	if p.path != "/r/E1" || p.msg.ResponseType != "ephemeral" || !strings.Contains(p.msg.Text, "U1 hello @") ||
		!strings.Contains(p.msg.Text, "U2 offset=0") || strings.Contains(p.msg.Text, "@U2") {
		t.Fatalf("reply = %+v", p)
	}
}

// The loop acks every command while the workers are all busy: acks never wait for work. (Each
// command comes from another person: one person's 200 commands meet the per-user limits.)
func TestAcksNeverWaitForWork(t *testing.T) {
	t.Parallel()
	started, release := make(chan struct{}, 300), make(chan struct{})
	h := newHarness(t, Options{Lookups: LaneOptions{Workers: 4, Queue: 300}}, blockingVerb(started, release))
	const n = 200
	go func() {
		for i := range n {
			h.slash("E"+itoa(i), "U"+itoa(i), "slow")
		}
	}()
	for range n {
		if a := h.ack(); a.payload != nil {
			t.Fatalf("ack with a payload: %+v", a)
		}
	}
	if len(h.posts) != 0 {
		t.Fatal("a reply came before the work was released")
	}
	close(release)
	for range n {
		h.post()
	}
}

func TestBusyWhenQueueFull(t *testing.T) {
	t.Parallel()
	started, release := make(chan struct{}, 10), make(chan struct{})
	h := newHarness(t, Options{Lookups: LaneOptions{Workers: 1, Queue: 1}}, blockingVerb(started, release))
	h.slash("E1", "U1", "slow")
	h.ack()
	<-started // the worker holds E1
	h.slash("E2", "U1", "slow")
	h.ack() // E2 waits in the queue
	h.slash("E3", "U1", "slow")
	a := h.ack()
	payload, _ := json.Marshal(a.payload)
	if a.envelope != "E3" || !strings.Contains(string(payload), "busy") || !strings.Contains(string(payload), "ephemeral") {
		t.Fatalf("third command ack = %s", payload)
	}
	h.click("E4", "U1", render.ActionRun, "slow")
	h.ack()
	if p := h.post(); p.path != "/r/E4" || !strings.Contains(p.msg.Text, "busy") {
		t.Fatalf("busy click reply = %+v", p)
	}
	close(release)
	h.post()
	h.post()
}

func TestButtonsRunAsTheClicker(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{}, echoVerb())
	h.click("E1", "U9", render.ActionRun, "echo from button")
	h.ack()
	if p := h.post(); !strings.Contains(p.msg.Text, "U9 from button offset=0") {
		t.Fatalf("run reply = %+v", p)
	}
	v, _ := json.Marshal(render.MoreValue{Command: "echo page", Offset: 20})
	h.click("E2", "U8", render.ActionMore, string(v))
	h.ack()
	if p := h.post(); !strings.Contains(p.msg.Text, "U8 page offset=20") {
		t.Fatalf("more reply = %+v", p)
	}
	// Forged values are dropped: nothing runs, nothing is posted.
	for i, bad := range []struct{ action, value string }{
		{render.ActionMore, "not json"}, {render.ActionMore, `{"c":"echo x","o":-1}`}, {render.ActionRun, "  "}, {"other", "echo x"}, {render.ActionLink, "https://x"},
	} {
		h.click("F"+itoa(i), "U8", bad.action, bad.value)
		h.ack()
	}
	h.click("E3", "U7", render.ActionRun, "echo last")
	h.ack()
	if p := h.post(); !strings.Contains(p.msg.Text, "U7 last") {
		t.Fatalf("a forged click produced a reply: %+v", p)
	}
}

func TestShutdownFinishesWorkInFlight(t *testing.T) {
	t.Parallel()
	started, release := make(chan struct{}, 10), make(chan struct{})
	h := newHarness(t, Options{}, blockingVerb(started, release))
	h.slash("E1", "U1", "slow")
	h.ack()
	<-started
	h.cancel()
	close(release)
	if p := h.post(); p.path != "/r/E1" {
		t.Fatalf("reply = %+v", p)
	}
	if err := <-h.done; err != nil {
		t.Fatal(err)
	}
	h.done <- nil // for the cleanup
}

func TestEventsAPIIsAcked(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{}, echoVerb())
	h.events <- socketmode.Event{Type: socketmode.EventTypeEventsAPI, Request: &socketmode.Request{EnvelopeID: "EV1"}}
	if a := h.ack(); a.envelope != "EV1" {
		t.Fatalf("ack = %+v", a)
	}
}

func TestSlashJob(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	j := slashJob(slack.SlashCommand{UserID: "U1", ChannelID: "C1", Text: "machine x", ResponseURL: "https://r"}, now)
	if j.req.UserID != "U1" || j.req.ChannelID != "C1" || j.req.Text != "machine x" || j.responseURL != "https://r" || j.req.Ref == "" || !j.received.Equal(now) {
		t.Fatalf("job = %+v", j)
	}
}

func TestRegisteredButtonAndViewHandlers(t *testing.T) {
	t.Parallel()
	clicks := make(chan string, 4)
	submits := make(chan string, 4)
	h := newHarnessWith(t, Options{}, func(b *Bot) {
		b.HandleButton("approve", func(_ context.Context, cb slack.InteractionCallback, a slack.BlockAction) {
			clicks <- cb.User.ID + ":" + a.Value
		})
		b.HandleView("deny_reason", interact.ViewHandler{
			ErrorBlock: "reason",
			Validate: func(cb slack.InteractionCallback) map[string]string {
				if strings.TrimSpace(cb.View.State.Values["reason"]["reason"].Value) == "" {
					return map[string]string{"reason": "Say why."}
				}
				return nil
			},
			Run: func(_ context.Context, cb slack.InteractionCallback) { submits <- cb.User.ID },
		})
	})
	h.click("E1", "U5", "approve", "req-1")
	h.ack()
	if got := <-clicks; got != "U5:req-1" {
		t.Fatalf("click = %q", got)
	}
	submit := func(id, reason string) {
		cb := slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: "U6"}}
		cb.View.CallbackID = "deny_reason"
		cb.View.State = &slack.ViewState{Values: map[string]map[string]slack.BlockAction{"reason": {"reason": {Value: reason}}}}
		h.events <- socketmode.Event{Type: socketmode.EventTypeInteractive, Data: cb, Request: &socketmode.Request{EnvelopeID: id}}
	}
	submit("E2", " ")
	a := h.ack()
	if b, _ := json.Marshal(a.payload); !strings.Contains(string(b), "Say why.") {
		t.Fatalf("empty reason ack = %s", b)
	}
	submit("E3", "false positive")
	if a := h.ack(); a.payload != nil {
		t.Fatalf("valid submission ack = %+v", a)
	}
	if got := <-submits; got != "U6" {
		t.Fatalf("submit = %q", got)
	}
}

// A panic in a request is logged and contained; the bot goes on answering.
func TestPanicInRequestIsContained(t *testing.T) {
	t.Parallel()
	boom := &commands.Verb{Name: "boom", Role: commands.Viewer, Run: func(context.Context, *commands.Call) (commands.Response, error) {
		panic("kaboom")
	}}
	h := newHarness(t, Options{Lookups: LaneOptions{Workers: 1}}, boom, echoVerb())
	h.slash("E1", "U1", "boom")
	h.ack()
	h.slash("E2", "U1", "echo still here")
	h.ack()
	if p := h.post(); p.path != "/r/E2" || !strings.Contains(p.msg.Text, "still here") {
		t.Fatalf("reply after a panic = %+v", p)
	}
}

// A panic while handling an event does not stop the event loop.
func TestPanicInEventLoopIsContained(t *testing.T) {
	t.Parallel()
	h := newHarnessWith(t, Options{}, func(b *Bot) {
		b.HandleView("bad", interact.ViewHandler{Validate: func(slack.InteractionCallback) map[string]string { panic("validator") }})
	}, echoVerb())
	cb := slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission}
	cb.View.CallbackID = "bad"
	h.events <- socketmode.Event{Type: socketmode.EventTypeInteractive, Data: cb, Request: &socketmode.Request{EnvelopeID: "E0"}}
	h.slash("E1", "U1", "echo alive")
	for {
		if a := h.ack(); a.envelope == "E1" {
			break
		}
	}
	if p := h.post(); !strings.Contains(p.msg.Text, "alive") {
		t.Fatalf("reply = %+v", p)
	}
}

func TestStalledWhenEveryWorkerIsStuck(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	started, release := make(chan struct{}, 10), make(chan struct{})
	var bot *Bot
	h := newHarnessWith(t, Options{Lookups: LaneOptions{Workers: 1}, Now: clock}, func(b *Bot) { bot = b }, blockingVerb(started, release))
	h.slash("E1", "U1", "slow")
	h.ack()
	<-started
	h.slash("E2", "U1", "slow")
	h.ack()
	if bot.Stalled(time.Minute) {
		t.Error("stalled at once")
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	if !bot.Stalled(time.Minute) {
		t.Error("not stalled after two minutes with the only worker stuck and a request waiting")
	}
	close(release)
	h.post()
	h.post()
}
