package slackfake_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/mdebot/mdebot/bot/slackfake"
)

// A bot posts only where it was invited: chat.postMessage to a channel it is not in answers
// not_in_channel, unless the token has chat:write.public (public channels only).
func TestPostNeedsMembershipUnlessChatWritePublic(t *testing.T) {
	t.Parallel()
	f, api := newAPI(t)
	ctx := waitCtx(t)
	f.SetChannel(slackfake.Channel{ID: "C0OUT", Name: "soc-alerts", BotAbsent: true})
	f.SetChannel(slackfake.Channel{ID: "G0OUT", Name: "leads", IsPrivate: true, BotAbsent: true})
	if _, _, err := api.PostMessageContext(ctx, "C0OUT", slack.MsgOptionText("x", false)); err == nil || err.Error() != "not_in_channel" {
		t.Errorf("post to a public channel the bot is not in = %v, want not_in_channel", err)
	}
	if _, _, err := api.PostMessageContext(ctx, "G0OUT", slack.MsgOptionText("x", false)); err == nil || err.Error() != "channel_not_found" {
		t.Errorf("post to a private channel the bot is not in = %v, want channel_not_found", err)
	}
	if _, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C0OUT"}); err == nil || err.Error() != "not_in_channel" {
		t.Errorf("history of a channel the bot is not in = %v, want not_in_channel", err)
	}
	if _, _, err := api.PostMessageContext(ctx, "C0IN", slack.MsgOptionText("x", false)); err != nil {
		t.Errorf("post to a channel the bot is in: %v", err)
	}

	pub := slackfake.New(t, slackfake.Options{Scopes: append(slackfake.DefaultScopes(), "chat:write.public")})
	pub.SetChannel(slackfake.Channel{ID: "C0OUT", BotAbsent: true})
	pub.SetChannel(slackfake.Channel{ID: "G0OUT", IsPrivate: true, BotAbsent: true})
	papi := slack.New(pub.BotToken(), slack.OptionAPIURL(pub.APIURL()))
	if _, _, err := papi.PostMessageContext(ctx, "C0OUT", slack.MsgOptionText("x", false)); err != nil {
		t.Errorf("post with chat:write.public to a public channel: %v", err)
	}
	if _, _, err := papi.PostMessageContext(ctx, "G0OUT", slack.MsgOptionText("x", false)); err == nil {
		t.Error("chat:write.public let the bot post to a private channel it is not in")
	}
}

// conversations.info says whether the bot is a member, needs channels:read or groups:read, and
// hides private channels the bot is not in.
func TestConversationsInfoMembershipAndScopes(t *testing.T) {
	t.Parallel()
	f, api := newAPI(t)
	ctx := waitCtx(t)
	f.SetChannel(slackfake.Channel{ID: "C0OUT", BotAbsent: true})
	f.SetChannel(slackfake.Channel{ID: "G0IN", IsPrivate: true})
	f.SetChannel(slackfake.Channel{ID: "G0OUT", IsPrivate: true, BotAbsent: true})
	for id, want := range map[string]bool{"C0OUT": false, "C0IN": true, "G0IN": true} {
		c, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: id})
		if err != nil || c.IsMember != want {
			t.Errorf("conversations.info %s: is_member = %v, %v; want %v", id, c != nil && c.IsMember, err, want)
		}
	}
	if _, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: "G0OUT"}); err == nil || err.Error() != "channel_not_found" {
		t.Errorf("info of a private channel the bot is not in = %v, want channel_not_found", err)
	}

	bare := slackfake.New(t, slackfake.Options{Scopes: []string{"chat:write"}})
	bare.SetChannel(slackfake.Channel{ID: "G0IN", IsPrivate: true})
	bapi := slack.New(bare.BotToken(), slack.OptionAPIURL(bare.APIURL()))
	for id, scope := range map[string]string{"C0IN": "channels:read", "G0IN": "groups:read"} {
		if _, err := bapi.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: id}); err == nil || !strings.Contains(err.Error(), "missing_scope") {
			t.Errorf("info of %s without %s = %v, want missing_scope", id, scope, err)
		}
	}
}

// Every Web API answer to the bot token carries the token's scopes in X-OAuth-Scopes.
func TestAuthTestReportsScopesHeader(t *testing.T) {
	t.Parallel()
	f := slackfake.New(t, slackfake.Options{Scopes: []string{"chat:write", "commands"}})
	resp, err := http.PostForm(f.APIURL()+"auth.test", url.Values{"token": {f.BotToken()}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if got := resp.Header.Get("X-OAuth-Scopes"); got != "chat:write,commands" {
		t.Errorf("X-OAuth-Scopes = %q, want chat:write,commands", got)
	}
	var body struct {
		OK    bool   `json:"ok"`
		BotID string `json:"bot_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || !body.OK || body.BotID == "" {
		t.Errorf("auth.test body = %+v, %v", body, err)
	}
	bad, err := http.PostForm(f.APIURL()+"auth.test", url.Values{"token": {"xoxb-wrong"}})
	if err != nil {
		t.Fatal(err)
	}
	bad.Body.Close()
	if got := bad.Header.Get("X-OAuth-Scopes"); got != "" {
		t.Errorf("a refused token got scopes %q", got)
	}
}

// A message another app posted shows that app as its author in the history.
func TestPostForeignShowsItsAuthor(t *testing.T) {
	t.Parallel()
	f, api := newAPI(t)
	ctx := waitCtx(t)
	f.PostForeign(slackfake.Author{UserID: "U0OTHER", BotID: "B0OTHER", AppID: "A0OTHER"},
		slackfake.Message{Channel: "C1", Text: "look-alike", Metadata: json.RawMessage(`{"event_type":"x","event_payload":{}}`)})
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("mine", false)); err != nil {
		t.Fatal(err)
	}
	h, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1"})
	if err != nil || len(h.Messages) != 2 {
		t.Fatalf("history = %+v, %v", h, err)
	}
	if m := h.Messages[1]; m.BotID != "B0OTHER" || m.User != "U0OTHER" {
		t.Errorf("foreign message author = %q/%q", m.BotID, m.User)
	}
	if m := h.Messages[0]; m.BotID != "B0BOT" || m.User != "U0BOT" {
		t.Errorf("own message author = %q/%q", m.BotID, m.User)
	}
}
