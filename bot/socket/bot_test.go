package socket

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mdebot/mdebot/bot/interact"
	"github.com/mdebot/mdebot/bot/render"
	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// ackRec is one ack the bot sent.
type ackRec struct {
	envelope string
	payload  any
}

// fakeAcker records acks.
type fakeAcker struct{ acks chan ackRec }

func (f *fakeAcker) AckCtx(_ context.Context, id string, payload any) error {
	f.acks <- ackRec{id, payload}
	return nil
}

// fakeAPI records ephemerals and uploads.
type fakeAPI struct {
	mu         sync.Mutex
	ephemerals []string
	uploads    []slack.UploadFileParameters
	uploaded   []string
	opened     []string    // trigger/callback of every modal opened
	posted     chan string // every ephemeral, as channel/user
}

func (f *fakeAPI) PostEphemeralContext(_ context.Context, channel, user string, _ ...slack.MsgOption) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ephemerals = append(f.ephemerals, channel+"/"+user)
	if f.posted != nil {
		f.posted <- channel + "/" + user
	}
	return "1.1", nil
}

func (f *fakeAPI) OpenConversationContext(_ context.Context, p *slack.OpenConversationParameters) (*slack.Channel, bool, bool, error) {
	ch := &slack.Channel{}
	ch.ID = "D" + p.Users[0]
	return ch, false, false, nil
}

func (f *fakeAPI) UploadFileContext(_ context.Context, p slack.UploadFileParameters) (*slack.FileSummary, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.uploads = append(f.uploads, p)
	// Read the contents as Slack's upload would, while the file is still there.
	b, err := io.ReadAll(p.Reader)
	if err != nil || len(b) != p.FileSize {
		return nil, fmt.Errorf("upload read %d of %d bytes: %v", len(b), p.FileSize, err)
	}
	f.uploaded = append(f.uploaded, string(b))
	return &slack.FileSummary{ID: "F1"}, nil
}

func (f *fakeAPI) OpenViewContext(_ context.Context, triggerID string, v slack.ModalViewRequest) (*slack.ViewResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opened = append(f.opened, triggerID+"/"+v.CallbackID)
	return &slack.ViewResponse{}, nil
}

// post is one reply posted to a response URL.
type post struct {
	path string
	msg  slack.WebhookMessage
}

type harness struct {
	t      *testing.T
	events chan socketmode.Event
	acker  *fakeAcker
	api    *fakeAPI
	posts  chan post
	srv    *httptest.Server
	done   chan error
	cancel context.CancelFunc
}

// newHarness runs a bot over the given verbs, with every user a viewer.
func newHarness(t *testing.T, opts Options, verbs ...*commands.Verb) *harness {
	t.Helper()
	return newHarnessWith(t, opts, nil, verbs...)
}

// newHarnessWith lets setup register handlers on the bot before it runs.
func newHarnessWith(t *testing.T, opts Options, setup func(*Bot), verbs ...*commands.Verb) *harness {
	t.Helper()
	h := &harness{t: t, events: make(chan socketmode.Event), acker: &fakeAcker{acks: make(chan ackRec, 1000)},
		api: &fakeAPI{posted: make(chan string, 100)}, posts: make(chan post, 1000), done: make(chan error, 1)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m slack.WebhookMessage
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &m)
		if strings.HasPrefix(r.URL.Path, "/gone") {
			http.Error(w, "expired_url", http.StatusNotFound)
			return
		}
		h.posts <- post{path: r.URL.Path, msg: m}
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(h.srv.Close)
	reg := commands.NewRegistry()
	if err := reg.Add(verbs...); err != nil {
		t.Fatal(err)
	}
	router := commands.NewRouter(reg, commands.NewAuthorizer(commands.Policy{}, nil, 0, nil), nil, nil)
	b := New(discardLogger(), h.events, h.acker, h.api, router, nil, opts)
	if setup != nil {
		setup(b)
	}
	ctx, cancel := context.WithCancel(t.Context())
	h.cancel = cancel
	go func() { h.done <- b.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-h.done })
	return h
}

func (h *harness) slash(id, user, text string) {
	h.events <- socketmode.Event{
		Type:    socketmode.EventTypeSlashCommand,
		Data:    slack.SlashCommand{UserID: user, ChannelID: "C1", Text: text, ResponseURL: h.srv.URL + "/r/" + id},
		Request: &socketmode.Request{Type: "slash_commands", EnvelopeID: id},
	}
}

func (h *harness) click(id, user, actionID, value string) {
	cb := slack.InteractionCallback{Type: slack.InteractionTypeBlockActions, User: slack.User{ID: user},
		Channel:     slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: "C1"}}},
		ResponseURL: h.srv.URL + "/r/" + id}
	cb.ActionCallback.BlockActions = []*slack.BlockAction{{ActionID: actionID, BlockID: "b", Value: value}}
	h.events <- socketmode.Event{Type: socketmode.EventTypeInteractive, Data: cb,
		Request: &socketmode.Request{Type: "interactive", EnvelopeID: id}}
}

func (h *harness) ack() ackRec {
	h.t.Helper()
	select {
	case a := <-h.acks():
		return a
	case <-h.t.Context().Done():
		h.t.Fatal("no ack")
	}
	return ackRec{}
}

func (h *harness) acks() chan ackRec { return h.acker.acks }

func (h *harness) post() post {
	h.t.Helper()
	select {
	case p := <-h.posts:
		return p
	case <-h.t.Context().Done():
		h.t.Fatal("no reply posted")
	}
	return post{}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func itoa(i int) string { return strconv.Itoa(i) }

// echoVerb answers with the caller, the offset and the arguments.
func echoVerb() *commands.Verb {
	return &commands.Verb{Name: "echo", Role: commands.Viewer, Run: func(_ context.Context, c *commands.Call) (commands.Response, error) {
		return commands.Response{Text: c.UserID + " " + c.Rest + " offset=" + itoa(c.Offset)}, nil
	}}
}

// blockingVerb waits for release, counting the calls that started.
func blockingVerb(started chan<- struct{}, release <-chan struct{}) *commands.Verb {
	return &commands.Verb{Name: "slow", Role: commands.Viewer, Run: func(ctx context.Context, c *commands.Call) (commands.Response, error) {
		started <- struct{}{}
		select {
		case <-release:
		case <-ctx.Done():
		}
		return commands.Response{Text: "done"}, nil
	}}
}

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

func TestReplyFallsBackToEphemeral(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{}, echoVerb())
	h.events <- socketmode.Event{
		Type:    socketmode.EventTypeSlashCommand,
		Data:    slack.SlashCommand{UserID: "U1", ChannelID: "C1", Text: "echo", ResponseURL: h.srv.URL + "/gone/1"},
		Request: &socketmode.Request{EnvelopeID: "E1"},
	}
	h.ack()
	select {
	case got := <-h.api.posted:
		if got != "C1/U1" {
			t.Fatalf("ephemeral to %s", got)
		}
	case <-t.Context().Done():
		t.Fatal("no ephemeral fallback")
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

func TestHealthReadiness(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	h := NewHealth(func() time.Time { return now })
	if h.SlackReady(time.Minute) {
		t.Error("ready before any hello")
	}
	h.connected()
	h.hello()
	if !h.SlackReady(time.Minute) {
		t.Error("not ready after hello")
	}
	h.connecting()
	now = now.Add(30 * time.Second)
	if !h.SlackReady(time.Minute) {
		t.Error("not ready within the grace of a reconnect")
	}
	now = now.Add(time.Minute)
	if h.SlackReady(time.Minute) {
		t.Error("still ready long after the connection dropped")
	}
	h.hello()
	if !h.SlackReady(time.Minute) {
		t.Error("not ready after reconnecting")
	}
}

func TestHealthHandler(t *testing.T) {
	t.Parallel()
	hl := NewHealth(nil)
	var redisDown atomic.Bool
	srv := httptest.NewServer(HealthHandler(hl, map[string]func(context.Context) error{"redis": func(context.Context) error {
		if redisDown.Load() {
			return io.ErrUnexpectedEOF
		}
		return nil
	}}, nil))
	defer srv.Close()
	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("healthz = %d", code)
	}
	if code, body := get("/readyz"); code != 503 || !strings.Contains(body, `"slack":"not connected"`) {
		t.Errorf("readyz before hello = %d %s", code, body)
	}
	hl.hello()
	if code, body := get("/readyz"); code != 200 || !strings.Contains(body, `"redis":"ok"`) {
		t.Errorf("readyz = %d %s", code, body)
	}
	redisDown.Store(true)
	if code, body := get("/readyz"); code != 503 || !strings.Contains(body, `"redis":"failing"`) {
		t.Errorf("readyz with Redis down = %d %s", code, body)
	}
}

// A hunting result is attached as a file only when the table in Slack does not show all of it;
// its contents are streamed from disk, and the file is removed once the reply is done, attached
// or not.
func TestHuntFileAttachedOnlyWhenCut(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	huntVerb := func(rows int) *commands.Verb {
		return &commands.Verb{Name: "hunt" + itoa(rows), Role: commands.Viewer, Run: func(context.Context, *commands.Call) (commands.Response, error) {
			res := defender.HuntingResult{Schema: []defender.HuntingColumn{{Name: "A", Type: "String"}}}
			for i := range min(rows, 20) {
				res.Results = append(res.Results, map[string]any{"A": "row" + itoa(i)})
			}
			path := filepath.Join(dir, "hunt"+itoa(rows)+".csv")
			if err := os.WriteFile(path, []byte("A\n"+itoa(rows)+"\n"), 0o600); err != nil {
				return commands.Response{}, err
			}
			return commands.Response{Text: "t", View: commands.HuntView{Query: "q", Result: res, TotalRows: rows},
				File: &commands.File{Name: "hunt.csv", Path: path, Size: int64(len("A\n" + itoa(rows) + "\n"))}}, nil
		}}
	}
	h := newHarness(t, Options{}, huntVerb(3), huntVerb(25))
	h.slash("E1", "U1", "hunt3")
	h.ack()
	h.post()
	h.slash("E2", "U1", "hunt25")
	h.ack()
	h.post()
	h.api.mu.Lock()
	defer h.api.mu.Unlock()
	if len(h.api.uploads) != 1 || h.api.uploads[0].Filename != "hunt.csv" || h.api.uploads[0].Channel != "DU1" {
		t.Fatalf("uploads = %+v", h.api.uploads)
	}
	if len(h.api.uploaded) != 1 || h.api.uploaded[0] != "A\n25\n" {
		t.Errorf("uploaded contents = %q", h.api.uploaded)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("files left behind after the replies: %v", left)
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
