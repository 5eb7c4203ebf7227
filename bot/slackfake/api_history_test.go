package slackfake_test

import (
	"testing"

	"github.com/slack-go/slack"
)

// History and replies page through what was posted, with the metadata a post carried.
func TestConversationHistoryAndReplies(t *testing.T) {
	t.Parallel()
	_, api := newAPI(t)
	ctx := waitCtx(t)
	meta := func(id string) slack.MsgOption {
		return slack.MsgOptionMetadata(slack.SlackMetadata{EventType: "test_event", EventPayload: map[string]any{"id": id}})
	}
	var top []string
	for _, id := range []string{"a", "b", "c"} {
		_, ts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText(id, false), meta(id))
		if err != nil {
			t.Fatal(err)
		}
		top = append(top, ts)
	}
	_, reply, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("r", false), slack.MsgOptionTS(top[0]), meta("r"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.PostMessageContext(ctx, "C2", slack.MsgOptionText("other", false)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false),
		slack.MsgOptionMetadata(slack.SlackMetadata{})); err == nil || err.Error() != "invalid_metadata_format" {
		t.Fatalf("metadata without event_type = %v", err)
	}

	// Newest first, two per page, replies left out, metadata only when asked for.
	var got []string
	cursor := ""
	for {
		h, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
			ChannelID: "C1", Limit: 2, Cursor: cursor, IncludeAllMetadata: true, Oldest: "1.0"})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range h.Messages {
			got = append(got, m.Text+"/"+m.Metadata.EventPayload["id"].(string))
		}
		if !h.HasMore {
			break
		}
		cursor = h.ResponseMetaData.NextCursor
	}
	if want := "c/c b/b a/a"; join(got) != want {
		t.Fatalf("history = %q, want %q", join(got), want)
	}
	h, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1", Oldest: top[1]})
	if err != nil || len(h.Messages) != 1 || h.Messages[0].Text != "c" || h.Messages[0].Metadata.EventType != "" {
		t.Fatalf("history after b without metadata = %+v, %v", h, err)
	}
	msgs, _, _, err := api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
		ChannelID: "C1", Timestamp: top[0], IncludeAllMetadata: true})
	if err != nil || len(msgs) != 2 || msgs[1].Timestamp != reply || msgs[1].Metadata.EventPayload["id"] != "r" {
		t.Fatalf("replies = %+v, %v", msgs, err)
	}
	if _, _, _, err := api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: "1.1"}); err == nil {
		t.Fatal("replies of an unknown thread")
	}
}

func join(xs []string) string {
	out := ""
	for i, x := range xs {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}

// A reply sent with reply_broadcast is recorded as such, is part of the channel's history too
// (with its thread and subtype), and chat.update replaces the metadata it is given.
func TestBroadcastReplyAndMetadataUpdate(t *testing.T) {
	t.Parallel()
	f, api := newAPI(t)
	ctx := waitCtx(t)
	meta := func(id string) slack.MsgOption {
		return slack.MsgOptionMetadata(slack.SlackMetadata{EventType: "test_event", EventPayload: map[string]any{"id": id}})
	}
	_, parent, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("parent", false), meta("p"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("quiet", false), slack.MsgOptionTS(parent)); err != nil {
		t.Fatal(err)
	}
	_, loud, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("loud", false), slack.MsgOptionTS(parent), slack.MsgOptionBroadcast())
	if err != nil {
		t.Fatal(err)
	}
	h, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1", IncludeAllMetadata: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range h.Messages {
		got = append(got, m.Text+"/"+m.ThreadTimestamp+"/"+m.SubType)
	}
	if want := "loud/" + parent + "/thread_broadcast parent//"; join(got) != want {
		t.Errorf("history = %q, want %q", join(got), want)
	}
	for _, m := range f.Snapshot().Messages {
		if m.Broadcast != (m.TS == loud) {
			t.Errorf("message %q: Broadcast = %v", m.Text, m.Broadcast)
		}
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, "C1", parent, slack.MsgOptionText("parent v2", false), meta("p2")); err != nil {
		t.Fatal(err)
	}
	h, err = api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1", IncludeAllMetadata: true, Oldest: "1.0"})
	if err != nil {
		t.Fatal(err)
	}
	if last := h.Messages[len(h.Messages)-1]; last.Text != "parent v2" || last.Metadata.EventPayload["id"] != "p2" {
		t.Errorf("after chat.update: %q %+v", last.Text, last.Metadata)
	}
}
