package slackfake_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"

	"github.com/mdebot/mdebot/bot/slackfake"
)

// newAPI starts a fake and a plain Web API client for it.
func newAPI(t *testing.T) (*slackfake.Fake, *slack.Client) {
	t.Helper()
	f := slackfake.New(t, slackfake.Options{})
	return f, slack.New(f.BotToken(), slack.OptionAPIURL(f.APIURL()))
}

func TestPostUpdateDeleteAreRecordedWithHistory(t *testing.T) {
	t.Parallel()
	f, api := newAPI(t)
	ctx := waitCtx(t)
	section := slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*alert*", false, false), nil, nil)
	ch, ts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("alert", false), slack.MsgOptionBlocks(section))
	if err != nil || ch != "C1" || ts == "" {
		t.Fatalf("PostMessage = %q, %q, %v", ch, ts, err)
	}
	_, reply, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("detail", false), slack.MsgOptionTS(ts))
	if err != nil || reply <= ts {
		t.Fatalf("thread reply ts = %q (parent %q), %v", reply, ts, err)
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, "C1", ts, slack.MsgOptionText("alert (resolved)", false)); err != nil {
		t.Fatalf("UpdateMessage: %v", err)
	}
	if _, _, err := api.DeleteMessageContext(ctx, "C1", reply); err != nil {
		t.Fatalf("DeleteMessage: %v", err)
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, "C1", reply, slack.MsgOptionText("x", false)); err == nil || err.Error() != "message_not_found" {
		t.Errorf("update of deleted message = %v, want message_not_found", err)
	}
	link, err := api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: "C1", Ts: ts})
	if err != nil || !strings.HasPrefix(link, "https://fake.slack.com/archives/C1/p") {
		t.Errorf("permalink = %q, %v", link, err)
	}

	m, ok := f.Message("C1", ts)
	if !ok {
		t.Fatal("message not recorded")
	}
	if m.Text != "alert (resolved)" || m.Deleted {
		t.Errorf("message = %+v", m)
	}
	jsonEqual(t, m.Blocks, `[{"type":"section","text":{"type":"mrkdwn","text":"*alert*"}}]`)
	var via []string
	for _, r := range m.History {
		via = append(via, r.Via+":"+r.Text)
	}
	if diff := cmp.Diff([]string{"chat.postMessage:alert", "chat.update:alert (resolved)"}, via); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	r, _ := f.Message("C1", reply)
	if r.ThreadTS != ts || !r.Deleted {
		t.Errorf("reply = %+v, want deleted reply in thread %s", r, ts)
	}
	if got := f.Calls("chat.update"); got != 2 {
		t.Errorf("chat.update calls = %d, want 2", got)
	}
}

func TestPostEphemeralIsRecorded(t *testing.T) {
	t.Parallel()
	f, api := newAPI(t)
	ts, err := api.PostEphemeralContext(waitCtx(t), "C1", "U1", slack.MsgOptionText("only you", false))
	if err != nil || ts == "" {
		t.Fatalf("PostEphemeral = %q, %v", ts, err)
	}
	want := []slackfake.Ephemeral{{Channel: "C1", User: "U1", TS: ts, Text: "only you", Via: "chat.postEphemeral"}}
	if diff := cmp.Diff(want, f.Ephemerals()); diff != "" {
		t.Errorf("ephemerals (-want +got):\n%s", diff)
	}
}

func TestRateLimitSurfacesAsRateLimitedError(t *testing.T) {
	t.Parallel()
	f, api := newAPI(t)
	f.RateLimit("chat.postMessage", 3*time.Second, 1)
	_, _, err := api.PostMessageContext(waitCtx(t), "C1", slack.MsgOptionText("hi", false))
	rl, ok := errors.AsType[*slack.RateLimitedError](err)
	if !ok || rl.RetryAfter != 3*time.Second {
		t.Fatalf("PostMessage = %v, want RateLimitedError after 3s", err)
	}
	if _, _, err := api.PostMessageContext(waitCtx(t), "C1", slack.MsgOptionText("hi", false)); err != nil {
		t.Fatalf("second PostMessage: %v", err)
	}
	if got := f.Calls("chat.postMessage"); got != 2 {
		t.Errorf("calls = %d, want 2", got)
	}
	if got := len(f.Messages()); got != 1 {
		t.Errorf("messages = %d, want 1", got)
	}
}

func TestFailMethodReturnsSlackError(t *testing.T) {
	t.Parallel()
	f, api := newAPI(t)
	f.FailMethod("auth.test", "account_inactive", -1)
	for range 2 {
		if _, err := api.AuthTestContext(waitCtx(t)); err == nil || err.Error() != "account_inactive" {
			t.Fatalf("AuthTest = %v, want account_inactive", err)
		}
	}
	f.FailMethod("auth.test", "", 0)
	got, err := api.AuthTestContext(waitCtx(t))
	if err != nil || got.UserID != "U0BOT" || got.TeamID != "T0FAKE" || got.BotID != "B0BOT" {
		t.Errorf("AuthTest = %+v, %v", got, err)
	}
}

func TestTokensAreChecked(t *testing.T) {
	t.Parallel()
	f := slackfake.New(t, slackfake.Options{})
	for token, want := range map[string]string{"xoxb-wrong": "invalid_auth", f.AppToken(): "not_allowed_token_type"} {
		api := slack.New(token, slack.OptionAPIURL(f.APIURL()))
		if _, err := api.AuthTestContext(waitCtx(t)); err == nil || err.Error() != want {
			t.Errorf("AuthTest with %s = %v, want %s", token[:5], err, want)
		}
	}
	resp, err := http.PostForm(f.APIURL()+"chat.postMessage", url.Values{"channel": {"C1"}, "text": {"x"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Error string }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Error != "not_authed" {
		t.Errorf("no token: %+v, %v", body, err)
	}
}

func TestUnknownMethod(t *testing.T) {
	t.Parallel()
	f := slackfake.New(t, slackfake.Options{})
	resp, err := http.PostForm(f.APIURL()+"admin.nuke", url.Values{"token": {f.BotToken()}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		OK    bool
		Error string
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.OK || body.Error != "unknown_method" {
		t.Errorf("body = %+v, %v", body, err)
	}
	if got := f.Calls("admin.nuke"); got != 1 {
		t.Errorf("calls = %d, want 1", got)
	}
}

func TestUsersGroupsAndChannels(t *testing.T) {
	t.Parallel()
	f, api := newAPI(t)
	ctx := waitCtx(t)
	f.SetUser(slackfake.User{ID: "U1", Name: "alice", RealName: "Alice", Email: "a@example.com", IsRestricted: true})
	f.SetUserGroup("S1", []string{"U1", "U2"})
	f.SetChannel(slackfake.Channel{ID: "G1", Name: "secret", IsPrivate: true})

	u, err := api.GetUserInfoContext(ctx, "U1")
	if err != nil || u.Name != "alice" || u.Profile.Email != "a@example.com" || !u.IsRestricted || u.Deleted {
		t.Errorf("GetUserInfo = %+v, %v", u, err)
	}
	if _, err := api.GetUserInfoContext(ctx, "U9"); err == nil || err.Error() != "user_not_found" {
		t.Errorf("unknown user = %v, want user_not_found", err)
	}
	members, err := api.GetUserGroupMembersContext(ctx, "S1")
	if diff := cmp.Diff([]string{"U1", "U2"}, members); err != nil || diff != "" {
		t.Errorf("GetUserGroupMembers = %v (-want +got %s)", err, diff)
	}
	if _, err := api.GetUserGroupMembersContext(ctx, "S9"); err == nil || err.Error() != "no_such_subteam" {
		t.Errorf("unknown group = %v, want no_such_subteam", err)
	}
	c, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: "G1"})
	if err != nil || c.Name != "secret" || !c.IsPrivate {
		t.Errorf("GetConversationInfo = %+v, %v", c, err)
	}
	c, err = api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: "C7"})
	if err != nil || c.Name != "c7" || c.IsPrivate {
		t.Errorf("GetConversationInfo(C7) = %+v, %v", c, err)
	}
}

func TestUploadFile(t *testing.T) {
	t.Parallel()
	f, api := newAPI(t)
	sum, err := api.UploadFileContext(waitCtx(t), slack.UploadFileParameters{
		Content: "a,b\n1,2\n", FileSize: 8, Filename: "hunt.csv", Title: "Hunt result",
		Channel: "C1", ThreadTimestamp: "1700000000.000100", InitialComment: "results",
	})
	if err != nil {
		t.Fatalf("UploadFile: %v", err)
	}
	want := []slackfake.File{{
		ID: sum.ID, Name: "hunt.csv", Title: "Hunt result", Length: 8, Content: []byte("a,b\n1,2\n"), Completed: true,
		Channels: []string{"C1"}, ThreadTS: "1700000000.000100", InitialComment: "results",
	}}
	if diff := cmp.Diff(want, f.Files()); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

func TestMentionsAreDetected(t *testing.T) {
	t.Parallel()
	f := slackfake.New(t, slackfake.Options{})
	rich := json.RawMessage(`[{"type":"rich_text","elements":[{"type":"rich_text_section","elements":[{"type":"broadcast","range":"here"},{"type":"user","user_id":"U7"}]}]}]`)
	posts := []url.Values{
		{"channel": {"C1"}, "text": {"plain alert, mail@example.com"}},
		{"channel": {"C1"}, "text": {"<@U1|alice> asked; <!channel|channel> look"}},
		{"channel": {"C1"}, "text": {"hey @everyone"}, "link_names": {"true"}},
		{"channel": {"C1"}, "text": {"x"}, "blocks": {string(rich)}},
	}
	for _, v := range posts {
		v.Set("token", f.BotToken())
		resp, err := http.PostForm(f.APIURL()+"chat.postMessage", v)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if got := len(f.Messages()); got != len(posts) {
		t.Fatalf("messages = %d, want %d", got, len(posts))
	}
	want := []string{"<@U1>", "<!channel>", "<!everyone>", "<!here>", "<@U7>"}
	if diff := cmp.Diff(want, f.Mentions()); diff != "" {
		t.Errorf("mentions (-want +got):\n%s", diff)
	}
}

func TestWaitForHonoursContext(t *testing.T) {
	t.Parallel()
	f := slackfake.New(t, slackfake.Options{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := f.WaitFor(ctx, func(s *slackfake.Snapshot) bool { return len(s.Messages) > 0 }); !errors.Is(err, context.Canceled) {
		t.Errorf("WaitFor = %v, want context.Canceled", err)
	}
}
