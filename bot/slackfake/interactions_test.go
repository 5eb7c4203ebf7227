package slackfake_test

import (
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"

	"github.com/mdebot/mdebot/bot/slackfake"
)

func TestResponseURLPostsAreRecordedAndApplied(t *testing.T) {
	t.Parallel()
	f, c := connected(t, slackfake.Options{})
	ctx := waitCtx(t)
	slash, err := f.SlashCommand(ctx, slackfake.SlashCommand{UserID: "U1", ChannelID: "C1", Text: "machine host1"})
	if err != nil {
		t.Fatalf("SlashCommand: %v", err)
	}
	c.ack(t, f, c.next(t), nil)
	if err := slack.PostWebhookContext(ctx, slash.ResponseURL, &slack.WebhookMessage{Text: "looking up host1"}); err != nil {
		t.Fatalf("ephemeral reply: %v", err)
	}
	if err := slack.PostWebhookContext(ctx, slash.ResponseURL, &slack.WebhookMessage{Text: "host1 card", ResponseType: slack.ResponseTypeInChannel}); err != nil {
		t.Fatalf("in-channel reply: %v", err)
	}
	posts := f.ResponseURLPosts(slash.ID)
	if len(posts) != 2 || posts[0].Text != "looking up host1" || posts[1].ResponseType != "in_channel" {
		t.Fatalf("posts = %+v", posts)
	}
	eph := f.Ephemerals()
	if len(eph) != 1 || eph[0].User != "U1" || eph[0].Channel != "C1" || eph[0].Via != "response_url" {
		t.Errorf("ephemerals = %+v", eph)
	}
	msgs := f.Messages()
	if len(msgs) != 1 || msgs[0].Text != "host1 card" || msgs[0].Channel != "C1" {
		t.Fatalf("messages = %+v", msgs)
	}

	// A button on that card: replace_original edits it, the sixth post is refused.
	click, err := f.BlockAction(ctx, slackfake.BlockAction{UserID: "U2", ChannelID: "C1", MessageTS: msgs[0].TS, ActionID: "refresh"})
	if err != nil {
		t.Fatalf("BlockAction: %v", err)
	}
	c.ack(t, f, c.next(t), nil)
	for i := range 5 {
		msg := &slack.WebhookMessage{Text: "refreshed", ReplaceOriginal: true}
		if err := slack.PostWebhookContext(ctx, click.ResponseURL, msg); err != nil {
			t.Fatalf("post %d: %v", i+1, err)
		}
	}
	if err := slack.PostWebhookContext(ctx, click.ResponseURL, &slack.WebhookMessage{Text: "again"}); err == nil {
		t.Error("sixth post to a response_url succeeded")
	}
	m, _ := f.Message("C1", msgs[0].TS)
	if m.Text != "refreshed" || len(m.History) != 6 || m.History[5].Via != "response_url" {
		t.Errorf("message after replace_original = %+v", m)
	}
}

func TestModalOpenUpdateAndSubmit(t *testing.T) {
	t.Parallel()
	f, c := connected(t, slackfake.Options{})
	ctx := waitCtx(t)
	slash, err := f.SlashCommand(ctx, slackfake.SlashCommand{UserID: "U1", ChannelID: "C1", Text: "isolate"})
	if err != nil {
		t.Fatalf("SlashCommand: %v", err)
	}
	c.ack(t, f, c.next(t), nil)

	input := slack.NewInputBlock("reason", slack.NewTextBlockObject(slack.PlainTextType, "Reason", false, false), nil,
		slack.NewPlainTextInputBlockElement(nil, "reason_input"))
	modal := slack.ModalViewRequest{
		Type: slack.VTModal, Title: slack.NewTextBlockObject(slack.PlainTextType, "Isolate", false, false),
		Submit:     slack.NewTextBlockObject(slack.PlainTextType, "Request", false, false),
		CallbackID: "isolate_modal", PrivateMetadata: "machine=abc", Blocks: slack.Blocks{BlockSet: []slack.Block{input}},
	}
	opened, err := c.api.OpenViewContext(ctx, slash.TriggerID, modal)
	if err != nil {
		t.Fatalf("OpenView: %v", err)
	}
	if _, err := c.api.OpenViewContext(ctx, slash.TriggerID, modal); err == nil || err.Error() != "exchanged_trigger_id" {
		t.Errorf("second OpenView with the same trigger = %v, want exchanged_trigger_id", err)
	}
	if _, err := c.api.UpdateViewContext(ctx, modal, "", "stale-hash", opened.ID); err == nil || err.Error() != "hash_conflict" {
		t.Errorf("UpdateView with stale hash = %v, want hash_conflict", err)
	}
	modal.PrivateMetadata = "machine=abc;v=2"
	if _, err := c.api.UpdateViewContext(ctx, modal, "", opened.Hash, opened.ID); err != nil {
		t.Fatalf("UpdateView: %v", err)
	}

	if _, err := f.BlockAction(ctx, slackfake.BlockAction{UserID: "U1", ViewID: opened.ID, ActionID: "reason_input", Value: "ran"}); err != nil {
		t.Fatalf("BlockAction in modal: %v", err)
	}
	evt := c.next(t)
	if cb, _ := evt.Data.(slack.InteractionCallback); cb.Container.ViewID != opened.ID || cb.View.ID != opened.ID ||
		len(cb.ActionCallback.BlockActions) != 1 || cb.ActionCallback.BlockActions[0].BlockID != "reason" ||
		cb.ActionCallback.BlockActions[0].Type != "plain_text_input" {
		t.Errorf("modal block action = %+v", cb)
	}
	c.ack(t, f, evt, nil)

	sub, err := f.ViewSubmission(ctx, slackfake.ViewSubmission{
		UserID: "U1", ViewID: opened.ID,
		Values: map[string]map[string]slackfake.InputValue{"reason": {"reason_input": {Value: "ransomware"}}},
	})
	if err != nil {
		t.Fatalf("ViewSubmission: %v", err)
	}
	evt = c.next(t)
	cb, ok := evt.Data.(slack.InteractionCallback)
	if !ok {
		t.Fatalf("event data is %T", evt.Data)
	}
	if cb.Type != slack.InteractionTypeViewSubmission || cb.View.ID != opened.ID || cb.View.CallbackID != "isolate_modal" ||
		cb.View.PrivateMetadata != "machine=abc;v=2" || cb.User.ID != "U1" || cb.TriggerID != sub.TriggerID {
		t.Errorf("callback = %+v", cb)
	}
	if got := cb.View.State.Values["reason"]["reason_input"].Value; got != "ransomware" {
		t.Errorf("reason = %q, want ransomware", got)
	}
	a := c.ack(t, f, evt, slack.NewErrorsViewSubmissionResponse(map[string]string{"reason": "too short"}))
	jsonEqual(t, a.Payload, `{"response_action":"errors","errors":{"reason":"too short"}}`)

	views := f.Views()
	if len(views) != 1 {
		t.Fatalf("views = %+v", views)
	}
	v := views[0]
	got := []string{v.ID, v.UserID, v.CallbackID, v.PrivateMetadata, v.RootViewID}
	if diff := cmp.Diff([]string{opened.ID, "U1", "isolate_modal", "machine=abc;v=2", opened.ID}, got); diff != "" || len(v.History) != 2 {
		t.Errorf("view (-want +got):\n%s\nhistory %d", diff, len(v.History))
	}

	// A trigger from the submission can push a second view on the stack.
	pushed, err := c.api.PushViewContext(ctx, sub.TriggerID, modal)
	if err != nil {
		t.Fatalf("PushView: %v", err)
	}
	if pushed.PreviousViewID != opened.ID || pushed.RootViewID != opened.ID {
		t.Errorf("pushed view = prev %q root %q, want %s", pushed.PreviousViewID, pushed.RootViewID, opened.ID)
	}
}

// A trigger_id is good for 3 seconds of the fake's clock and for one modal: later, views.open
// answers expired_trigger_id, as Slack does. A lax fake opens the modal.
func TestTriggerExpiresAfterThreeSeconds(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	f, c := connected(t, slackfake.Options{Now: clock})
	ctx := waitCtx(t)
	modal := slack.ModalViewRequest{Type: slack.VTModal, Title: slack.NewTextBlockObject(slack.PlainTextType, "Deny", false, false),
		CallbackID: "deny", Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "x", false, false), nil, nil)}}}
	click := func() string {
		env, err := f.BlockAction(ctx, slackfake.BlockAction{UserID: "U1", ChannelID: "C1", MessageTS: "1.0", ActionID: "deny", Value: "r1"})
		if err != nil {
			t.Fatal(err)
		}
		c.ack(t, f, c.next(t), nil)
		return env.TriggerID
	}
	late := click()
	advance(3*time.Second + time.Millisecond)
	if _, err := c.api.OpenViewContext(ctx, late, modal); err == nil || err.Error() != "expired_trigger_id" {
		t.Errorf("views.open 3.001 s after the click = %v, want expired_trigger_id", err)
	}
	inTime := click()
	advance(2900 * time.Millisecond)
	if _, err := c.api.OpenViewContext(ctx, inTime, modal); err != nil {
		t.Errorf("views.open 2.9 s after the click = %v", err)
	}
	if _, err := c.api.OpenViewContext(ctx, inTime, modal); err == nil || err.Error() != "exchanged_trigger_id" {
		t.Errorf("views.open twice = %v, want exchanged_trigger_id", err)
	}
}

// Through a slash command's response_url, replace_original replaces the ephemeral message the
// command produced, and delete_original deletes it; nothing else is touched.
func TestSlashResponseReplacesItsOwnMessage(t *testing.T) {
	t.Parallel()
	f, c := connected(t, slackfake.Options{})
	ctx := waitCtx(t)
	slash, err := f.SlashCommand(ctx, slackfake.SlashCommand{UserID: "U1", ChannelID: "C1", Text: "hunt x"})
	if err != nil {
		t.Fatal(err)
	}
	c.ack(t, f, c.next(t), nil)
	for _, m := range []*slack.WebhookMessage{{Text: "working on it"}, {Text: "the answer", ReplaceOriginal: true}} {
		if err := slack.PostWebhookContext(ctx, slash.ResponseURL, m); err != nil {
			t.Fatal(err)
		}
	}
	eph := f.Ephemerals()
	if len(eph) != 1 || eph[0].Text != "the answer" || eph[0].Replaced != 1 || eph[0].Deleted {
		t.Fatalf("ephemerals after a replace = %+v", eph)
	}
	if err := slack.PostWebhookContext(ctx, slash.ResponseURL, &slack.WebhookMessage{DeleteOriginal: true}); err != nil {
		t.Fatal(err)
	}
	if eph := f.Ephemerals(); len(eph) != 1 || !eph[0].Deleted {
		t.Fatalf("ephemerals after a delete = %+v", eph)
	}
}
