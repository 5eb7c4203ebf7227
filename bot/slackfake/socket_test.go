package slackfake_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/mdebot/mdebot/bot/slackfake"
)

func TestSlashCommandReachesClientAndAckIsRecorded(t *testing.T) {
	t.Parallel()
	f, c := connected(t, slackfake.Options{})
	f.SetChannel(slackfake.Channel{ID: "C1", Name: "soc"})
	f.SetUser(slackfake.User{ID: "U1", Name: "alice"})

	env, err := f.SlashCommand(waitCtx(t), slackfake.SlashCommand{UserID: "U1", ChannelID: "C1", Text: "isolate host1"})
	if err != nil {
		t.Fatalf("SlashCommand: %v", err)
	}
	evt := c.next(t)
	cmd, ok := evt.Data.(slack.SlashCommand)
	if !ok {
		t.Fatalf("event data is %T, want slack.SlashCommand", evt.Data)
	}
	want := slack.SlashCommand{
		Token: "fake-verification-token", TeamID: "T0FAKE", TeamDomain: "fake", ChannelID: "C1", ChannelName: "soc",
		UserID: "U1", UserName: "alice", Command: "/mde", Text: "isolate host1",
		ResponseURL: env.ResponseURL, TriggerID: env.TriggerID, APIAppID: "A0FAKE",
	}
	if diff := cmp.Diff(want, cmd); diff != "" {
		t.Errorf("slash command (-want +got):\n%s", diff)
	}
	if evt.Request.EnvelopeID != env.ID || !evt.Request.AcceptsResponsePayload {
		t.Errorf("request = %+v, want envelope %s accepting a response payload", evt.Request, env.ID)
	}

	a := c.ack(t, f, evt, map[string]any{"text": "on it"})
	jsonEqual(t, a.Payload, `{"text":"on it"}`)
	if a.Latency <= 0 {
		t.Errorf("ack latency = %v, want > 0", a.Latency)
	}
}

func TestBlockActionFillsBlockIDAndValueFromMessage(t *testing.T) {
	t.Parallel()
	f, c := connected(t, slackfake.Options{})
	button := slack.NewButtonBlockElement("approve", "req-42", slack.NewTextBlockObject(slack.PlainTextType, "Approve", false, false))
	_, ts, err := c.api.PostMessageContext(waitCtx(t), "C1",
		slack.MsgOptionText("approve?", false), slack.MsgOptionBlocks(slack.NewActionBlock("b1", button)))
	if err != nil {
		t.Fatalf("PostMessage: %v", err)
	}

	env, err := f.BlockAction(waitCtx(t), slackfake.BlockAction{UserID: "U2", ChannelID: "C1", MessageTS: ts, ActionID: "approve"})
	if err != nil {
		t.Fatalf("BlockAction: %v", err)
	}
	evt := c.next(t)
	cb, ok := evt.Data.(slack.InteractionCallback)
	if !ok {
		t.Fatalf("event data is %T, want slack.InteractionCallback", evt.Data)
	}
	if cb.Type != slack.InteractionTypeBlockActions || cb.User.ID != "U2" || cb.Channel.ID != "C1" ||
		cb.Container.MessageTs != ts || cb.Message.Timestamp != ts || cb.Message.Text != "approve?" ||
		cb.ResponseURL != env.ResponseURL || cb.TriggerID != env.TriggerID {
		t.Errorf("callback = %+v", cb)
	}
	if len(cb.ActionCallback.BlockActions) != 1 {
		t.Fatalf("BlockActions = %v, want one", cb.ActionCallback.BlockActions)
	}
	got := cb.ActionCallback.BlockActions[0]
	if got.ActionID != "approve" || got.BlockID != "b1" || got.Value != "req-42" || got.Type != "button" {
		t.Errorf("block action = %+v", got)
	}
	if len(cb.Message.Blocks.BlockSet) != 1 {
		t.Errorf("message blocks = %v, want the posted actions block", cb.Message.Blocks.BlockSet)
	}

	a := c.ack(t, f, evt, nil)
	if a.Payload != nil {
		t.Errorf("ack payload = %s, want none", a.Payload)
	}
}

func TestAppMentionArrivesAsEventsAPI(t *testing.T) {
	t.Parallel()
	f, c := connected(t, slackfake.Options{})
	env, err := f.AppMention(waitCtx(t), slackfake.AppMention{
		UserID: "U1", ChannelID: "C1", Text: "<@U0BOT> status",
		Event: slackfake.Event{ID: "Ev1", RetryAttempt: 1, RetryReason: "timeout"},
	})
	if err != nil {
		t.Fatalf("AppMention: %v", err)
	}
	evt := c.next(t)
	ev, ok := evt.Data.(slackevents.EventsAPIEvent)
	if !ok {
		t.Fatalf("event data is %T, want slackevents.EventsAPIEvent", evt.Data)
	}
	mention, ok := ev.InnerEvent.Data.(*slackevents.AppMentionEvent)
	if !ok {
		t.Fatalf("inner event is %T, want *slackevents.AppMentionEvent", ev.InnerEvent.Data)
	}
	if mention.User != "U1" || mention.Channel != "C1" || mention.Text != "<@U0BOT> status" {
		t.Errorf("mention = %+v", mention)
	}
	if cb, _ := ev.Data.(*slackevents.EventsAPICallbackEvent); cb == nil || cb.EventID != "Ev1" {
		t.Errorf("outer event = %+v, want event_id Ev1", ev.Data)
	}
	if evt.Request.RetryAttempt != 1 || evt.Request.RetryReason != "timeout" || evt.Request.EnvelopeID != env.ID {
		t.Errorf("request = %+v", evt.Request)
	}
	c.ack(t, f, evt, nil)
}

func TestDisconnectMakesClientReconnect(t *testing.T) {
	t.Parallel()
	f, c := connected(t, slackfake.Options{})
	if err := f.Disconnect("refresh_requested"); err != nil {
		t.Fatalf("Disconnect: %v", err)
	}
	assertReconnects(t, f, c)
}

func TestDropSocketMakesClientReconnect(t *testing.T) {
	t.Parallel()
	f, c := connected(t, slackfake.Options{})
	if err := f.DropSocket(); err != nil {
		t.Fatalf("DropSocket: %v", err)
	}
	assertReconnects(t, f, c)
}

func TestStoppedPingsTripClientWatchdog(t *testing.T) {
	t.Parallel()
	f := slackfake.New(t, slackfake.Options{PingInterval: 20 * time.Millisecond})
	c := startClient(t, f, f.AppToken(), socketmode.OptionPingInterval(300*time.Millisecond))
	if err := f.WaitConnected(waitCtx(t)); err != nil {
		t.Fatalf("WaitConnected: %v", err)
	}
	f.StopPings()
	if _, err := f.WaitFor(waitCtx(t), func(s *slackfake.Snapshot) bool { return s.Connections >= 2 }); err != nil {
		t.Fatalf("no reconnect after pings stopped: %v", err)
	}
	f.ResumePings()
	if _, err := f.SlashCommand(waitCtx(t), slackfake.SlashCommand{UserID: "U1", ChannelID: "C1", Text: "status"}); err != nil {
		t.Fatalf("SlashCommand: %v", err)
	}
	c.next(t)
}

// assertReconnects checks that a second connection comes up through a second
// apps.connections.open and that envelopes reach the client over it.
func assertReconnects(t *testing.T, f *slackfake.Fake, c *client) {
	t.Helper()
	s, err := f.WaitFor(waitCtx(t), func(s *slackfake.Snapshot) bool { return s.Connections == 2 && s.Live == 1 })
	if err != nil {
		t.Fatalf("no reconnect: %v", err)
	}
	if got := s.Calls("apps.connections.open"); got != 2 {
		t.Errorf("apps.connections.open calls = %d, want 2", got)
	}
	env, err := f.SlashCommand(waitCtx(t), slackfake.SlashCommand{UserID: "U1", ChannelID: "C1", Text: "status"})
	if err != nil {
		t.Fatalf("SlashCommand: %v", err)
	}
	if evt := c.next(t); evt.Request.EnvelopeID != env.ID {
		t.Errorf("got envelope %s, want %s", evt.Request.EnvelopeID, env.ID)
	}
}

func TestInvalidAppTokenStopsClient(t *testing.T) {
	t.Parallel()
	f := slackfake.New(t, slackfake.Options{})
	c := startClient(t, f, "xapp-wrong")
	select {
	case err := <-c.done:
		if err == nil || err.Error() != "invalid_auth" {
			t.Errorf("RunContext = %v, want invalid_auth", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("RunContext did not return")
	}
	if got := f.Connections(); got != 0 {
		t.Errorf("connections = %d, want 0", got)
	}
}

func TestEnvelopesAreSpreadOverReplicas(t *testing.T) {
	t.Parallel()
	f := slackfake.New(t, slackfake.Options{})
	a, b := startClient(t, f, f.AppToken()), startClient(t, f, f.AppToken())
	if _, err := f.WaitFor(waitCtx(t), func(s *slackfake.Snapshot) bool { return s.Live == 2 }); err != nil {
		t.Fatalf("two connections: %v", err)
	}
	for range 4 {
		if _, err := f.SlashCommand(waitCtx(t), slackfake.SlashCommand{UserID: "U1", ChannelID: "C1"}); err != nil {
			t.Fatalf("SlashCommand: %v", err)
		}
	}
	for _, c := range []*client{a, a, b, b} {
		c.next(t)
	}
}

func TestSendWithoutConnectionHonoursContext(t *testing.T) {
	t.Parallel()
	f := slackfake.New(t, slackfake.Options{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := f.SlashCommand(ctx, slackfake.SlashCommand{UserID: "U1", ChannelID: "C1"})
	if !errors.Is(err, slackfake.ErrNotConnected) {
		t.Errorf("SlashCommand = %v, want ErrNotConnected", err)
	}
	if err := f.Disconnect(""); !errors.Is(err, slackfake.ErrNotConnected) {
		t.Errorf("Disconnect = %v, want ErrNotConnected", err)
	}
}

func TestCloseWithClientConnected(t *testing.T) {
	t.Parallel()
	f, _ := connected(t, slackfake.Options{})
	f.Close()
	if _, err := f.SlashCommand(waitCtx(t), slackfake.SlashCommand{UserID: "U1", ChannelID: "C1"}); !errors.Is(err, slackfake.ErrClosed) {
		t.Errorf("SlashCommand after Close = %v, want ErrClosed", err)
	}
}
