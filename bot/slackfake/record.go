package slackfake

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Message is a channel message as the fake holds it now, with every version.
type Message struct {
	Channel     string
	TS          string
	ThreadTS    string          // parent ts for a thread reply, "" otherwise
	Broadcast   bool            // a thread reply also shown in the channel (reply_broadcast)
	Text        string          // current text
	Blocks      json.RawMessage // current blocks JSON array, nil when none
	Attachments json.RawMessage // current attachments JSON array, nil when none
	Metadata    json.RawMessage // metadata given to chat.postMessage (or a later chat.update), nil when none
	Deleted     bool            // chat.delete or delete_original happened
	History     []Revision      // every version, oldest first; the last one is current
	Author      *Author         // who posted it when not this bot (PostForeign); nil: the bot
}

// Author is the poster of a message that another app or a person posted.
type Author struct {
	UserID, BotID, AppID string
}

// Revision is one version of a message and the call that produced it.
type Revision struct {
	Via    string // "chat.postMessage", "chat.update", "chat.delete" or "response_url"
	Text   string
	Blocks json.RawMessage
	At     time.Time
}

// Ephemeral is a message only one user saw: chat.postEphemeral, or an
// ephemeral reply through a response_url.
type Ephemeral struct {
	Channel  string
	User     string
	TS       string // message_ts returned to the caller ("" for response_url)
	ThreadTS string
	Text     string
	Blocks   json.RawMessage
	Via      string // "chat.postEphemeral" or "response_url"
	Replaced int    // how many times a later post through the same response_url replaced it
	Deleted  bool   // a later post through the same response_url deleted it
}

// View is a modal opened by views.open or views.push, with its updates.
type View struct {
	ID              string
	ExternalID      string
	RootViewID      string
	PreviousViewID  string // the view it was pushed on, "" for a root view
	UserID          string // the user the trigger_id belonged to
	CallbackID      string
	PrivateMetadata string
	Hash            string
	JSON            json.RawMessage   // current view object as the bot sent it
	History         []json.RawMessage // every view object sent, oldest first
}

// File is an upload through files.getUploadURLExternal, the upload URL and
// files.completeUploadExternal.
type File struct {
	ID             string
	Name           string
	Title          string
	Length         int    // length declared to files.getUploadURLExternal
	Content        []byte // bytes posted to the upload URL; treat as read-only
	Completed      bool   // files.completeUploadExternal succeeded
	Channels       []string
	ThreadTS       string
	InitialComment string
}

// ResponsePost is one JSON body posted to a response_url.
type ResponsePost struct {
	ID              string // the envelope ID the response_url was made for
	Body            json.RawMessage
	Text            string
	Blocks          json.RawMessage
	ResponseType    string // "ephemeral", "in_channel" or ""
	ReplaceOriginal bool
	DeleteOriginal  bool
	ThreadTS        string
	At              time.Time
}

// Ack is one socket-mode acknowledgement received from a client.
type Ack struct {
	EnvelopeID string
	Payload    json.RawMessage // nil when the ack had no payload
	At         time.Time
	Latency    time.Duration // since the fake sent the envelope; 0 if unknown
}

type msgKey struct{ channel, ts string }

// records is everything observable; guarded by Fake.mu.
type records struct {
	messages    []*Message
	msgIndex    map[msgKey]*Message
	ephemerals  []Ephemeral
	views       []*View
	viewIndex   map[string]*View
	files       []*File
	fileIndex   map[string]*File
	posts       []ResponsePost
	acks        []Ack
	calls       map[string]int
	paced       int // chat.postMessage calls refused for their channel's pace
	connections int
	mentions    []string
}

func newRecords() records {
	return records{
		msgIndex:  map[msgKey]*Message{},
		viewIndex: map[string]*View{},
		fileIndex: map[string]*File{},
		calls:     map[string]int{},
	}
}

// Snapshot is a consistent copy of everything the fake has recorded.
type Snapshot struct {
	Messages    []Message // in posting order
	Ephemerals  []Ephemeral
	Views       []View
	Files       []File
	Posts       []ResponsePost // response_url posts, in arrival order
	Acks        []Ack          // in arrival order
	CallCounts  map[string]int // Web API requests per method, faults included
	Connections int            // WebSocket connections accepted so far
	Live        int            // connections envelopes can be routed to now
	Mentions    []string       // distinct mentions posted, see Fake.Mentions
}

// Message returns the message at channel and ts.
func (s *Snapshot) Message(channel, ts string) (Message, bool) {
	for _, m := range s.Messages {
		if m.Channel == channel && m.TS == ts {
			return m, true
		}
	}
	return Message{}, false
}

// Ack returns the first ack for envelopeID.
func (s *Snapshot) Ack(envelopeID string) (Ack, bool) {
	for _, a := range s.Acks {
		if a.EnvelopeID == envelopeID {
			return a, true
		}
	}
	return Ack{}, false
}

// ResponseURLPosts returns the posts to the response_url made for envelopeID.
func (s *Snapshot) ResponseURLPosts(envelopeID string) []ResponsePost {
	var out []ResponsePost
	for _, p := range s.Posts {
		if p.ID == envelopeID {
			out = append(out, p)
		}
	}
	return out
}

// Calls returns how many requests reached method, including failed ones.
func (s *Snapshot) Calls(method string) int { return s.CallCounts[method] }

// snapshotLocked copies the records; f.mu must be held.
func (f *Fake) snapshotLocked() *Snapshot {
	r := &f.rec
	s := &Snapshot{
		Ephemerals:  slices.Clone(r.ephemerals),
		Posts:       slices.Clone(r.posts),
		Acks:        slices.Clone(r.acks),
		CallCounts:  make(map[string]int, len(r.calls)),
		Connections: r.connections,
		Live:        len(f.live),
		Mentions:    slices.Clone(r.mentions),
	}
	for _, m := range r.messages {
		c := *m
		c.History = slices.Clone(m.History)
		s.Messages = append(s.Messages, c)
	}
	for _, v := range r.views {
		c := *v
		c.History = slices.Clone(v.History)
		s.Views = append(s.Views, c)
	}
	for _, fl := range r.files {
		c := *fl
		c.Channels = slices.Clone(fl.Channels)
		s.Files = append(s.Files, c)
	}
	for k, v := range r.calls {
		s.CallCounts[k] = v
	}
	return s
}

// Snapshot returns a copy of everything recorded so far.
func (f *Fake) Snapshot() *Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.snapshotLocked()
}

// WaitFor blocks until cond holds for a snapshot, and returns that snapshot.
// cond runs on a private copy and is re-evaluated after every recorded event.
func (f *Fake) WaitFor(ctx context.Context, cond func(*Snapshot) bool) (*Snapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		s := f.snapshotLocked()
		if cond(s) {
			return s, nil
		}
		if err := f.waitLocked(ctx); err != nil {
			return s, fmt.Errorf("slackfake: waiting for condition: %w", err)
		}
	}
}

// Ack waits for the client's ack of envelopeID and returns it.
func (f *Fake) Ack(ctx context.Context, envelopeID string) (Ack, error) {
	s, err := f.WaitFor(ctx, func(s *Snapshot) bool {
		_, ok := s.Ack(envelopeID)
		return ok
	})
	if err != nil {
		return Ack{}, fmt.Errorf("slackfake: ack of %s: %w", envelopeID, err)
	}
	a, _ := s.Ack(envelopeID)
	return a, nil
}

// Messages returns every channel message in posting order.
func (f *Fake) Messages() []Message { return f.Snapshot().Messages }

// Message returns the current state of the message at channel and ts.
func (f *Fake) Message(channel, ts string) (Message, bool) { return f.Snapshot().Message(channel, ts) }

// Ephemerals returns every ephemeral message in order.
func (f *Fake) Ephemerals() []Ephemeral { return f.Snapshot().Ephemerals }

// Views returns every modal view in the order they were opened or pushed.
func (f *Fake) Views() []View { return f.Snapshot().Views }

// Files returns every file upload in the order the upload URLs were requested.
func (f *Fake) Files() []File { return f.Snapshot().Files }

// Acks returns every ack received, in arrival order.
func (f *Fake) Acks() []Ack { return f.Snapshot().Acks }

// ResponseURLPosts returns the posts to the response_url made for envelopeID.
func (f *Fake) ResponseURLPosts(envelopeID string) []ResponsePost {
	return f.Snapshot().ResponseURLPosts(envelopeID)
}

// Calls returns how many requests reached the Web API method, including
// rate-limited, failed and unauthenticated ones.
func (f *Fake) Calls(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rec.calls[method]
}

// Connections returns how many WebSocket connections the fake has accepted
// (each one after a successful apps.connections.open).
func (f *Fake) Connections() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rec.connections
}

// addMessageLocked records a new channel message; f.mu must be held.
func (f *Fake) addMessageLocked(m *Message, via string, linkNames bool) {
	m.History = []Revision{{Via: via, Text: m.Text, Blocks: m.Blocks, At: time.Now()}}
	f.rec.messages = append(f.rec.messages, m)
	f.rec.msgIndex[msgKey{m.Channel, m.TS}] = m
	f.scanMentionsLocked(linkNames, m.Text, m.Blocks, m.Attachments)
}

// reviseMessageLocked records a new version of m; f.mu must be held.
func (f *Fake) reviseMessageLocked(m *Message, via string, linkNames bool) {
	m.History = append(m.History, Revision{Via: via, Text: m.Text, Blocks: m.Blocks, At: time.Now()})
	f.scanMentionsLocked(linkNames, m.Text, m.Blocks, m.Attachments)
}
