package socket

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/mdebot/mdebot/commands"
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
