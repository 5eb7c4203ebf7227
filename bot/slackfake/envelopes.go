package slackfake

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Envelope identifies a socket-mode envelope the fake sent.
type Envelope struct {
	ID          string // envelope_id; pass it to Ack and ResponseURLPosts
	ResponseURL string // the fake's response_url for this envelope, "" for events
	TriggerID   string // the trigger_id in the payload, "" for events
}

// SlashCommand describes a user typing a slash command.
type SlashCommand struct {
	UserID      string
	UserName    string // defaults to the user's name, see SetUser
	ChannelID   string
	ChannelName string // defaults to the channel's name, see SetChannel
	Command     string // defaults to "/mde"
	Text        string
}

// SlashCommand sends a slash_commands envelope to one connected client,
// waiting for a connection if none is up, and returns its identifiers.
func (f *Fake) SlashCommand(ctx context.Context, cmd SlashCommand) (Envelope, error) {
	if cmd.Command == "" {
		cmd.Command = "/mde"
	}
	env := Envelope{ID: newEnvelopeID()}
	f.mu.Lock()
	env.TriggerID = f.newTriggerLocked(cmd.UserID, "")
	env.ResponseURL = f.newResponseURLLocked(env.ID, responseURL{channel: cmd.ChannelID, user: cmd.UserID})
	payload := map[string]any{
		"token":                 "fake-verification-token",
		"team_id":               f.opts.TeamID,
		"team_domain":           f.opts.TeamDomain,
		"channel_id":            cmd.ChannelID,
		"channel_name":          cmp.Or(cmd.ChannelName, f.channelNameLocked(cmd.ChannelID)),
		"user_id":               cmd.UserID,
		"user_name":             cmp.Or(cmd.UserName, f.userNameLocked(cmd.UserID)),
		"command":               cmd.Command,
		"text":                  cmd.Text,
		"api_app_id":            f.opts.AppID,
		"is_enterprise_install": false,
		"response_url":          env.ResponseURL,
		"trigger_id":            env.TriggerID,
	}
	f.mu.Unlock()
	return env, f.send(ctx, map[string]any{
		"envelope_id":              env.ID,
		"type":                     "slash_commands",
		"accepts_response_payload": true,
		"payload":                  payload,
	})
}

// Event is an Events API callback: Inner is the inner event object (for
// example an app_mention), marshalled to JSON as it is.
type Event struct {
	ID           string // event_id; generated when empty, reuse it to model a redelivery
	RetryAttempt int    // 0 for the first delivery
	RetryReason  string // "timeout" and the like for retries
	Inner        any
}

// EventsAPI sends an events_api envelope wrapping ev and returns the envelope
// (its ResponseURL and TriggerID are empty).
func (f *Fake) EventsAPI(ctx context.Context, ev Event) (Envelope, error) {
	if ev.ID == "" {
		ev.ID = "Ev" + strings.ToUpper(newEnvelopeID()[:10])
	}
	env := Envelope{ID: newEnvelopeID()}
	payload := map[string]any{
		"token":      "fake-verification-token",
		"team_id":    f.opts.TeamID,
		"api_app_id": f.opts.AppID,
		"event":      ev.Inner,
		"type":       "event_callback",
		"event_id":   ev.ID,
		"event_time": time.Now().Unix(),
		"authorizations": []any{map[string]any{
			"team_id": f.opts.TeamID, "user_id": f.opts.BotUserID, "is_bot": true, "is_enterprise_install": false,
		}},
		"is_ext_shared_channel": false,
	}
	return env, f.send(ctx, map[string]any{
		"envelope_id":              env.ID,
		"type":                     "events_api",
		"accepts_response_payload": false,
		"retry_attempt":            ev.RetryAttempt,
		"retry_reason":             ev.RetryReason,
		"payload":                  payload,
	})
}

// AppMention describes a user mentioning the bot in a channel.
type AppMention struct {
	UserID    string
	ChannelID string
	Text      string // include "<@BOT>" yourself if the bot parses it
	ThreadTS  string
	Event     Event // delivery details; Inner is ignored
}

// AppMention sends an app_mention event through EventsAPI.
func (f *Fake) AppMention(ctx context.Context, m AppMention) (Envelope, error) {
	f.mu.Lock()
	ts := f.nextTSLocked()
	f.mu.Unlock()
	inner := map[string]any{
		"type": "app_mention", "user": m.UserID, "text": m.Text, "ts": ts,
		"channel": m.ChannelID, "event_ts": ts, "team": f.opts.TeamID,
	}
	if m.ThreadTS != "" {
		inner["thread_ts"] = m.ThreadTS
	}
	ev := m.Event
	ev.Inner = inner
	return f.EventsAPI(ctx, ev)
}

// send writes one envelope to the next live connection in round-robin order,
// waiting for a connection while ctx allows.
func (f *Fake) send(ctx context.Context, env map[string]any) error {
	data, err := json.Marshal(env)
	if err != nil {
		return fmt.Errorf("slackfake: encode envelope: %w", err)
	}
	id, typ := env["envelope_id"].(string), env["type"]
	f.mu.Lock()
	for len(f.live) == 0 {
		if f.closed {
			f.mu.Unlock()
			return ErrClosed
		}
		if err := f.waitLocked(ctx); err != nil {
			f.mu.Unlock()
			return fmt.Errorf("slackfake: %s envelope: %w: %w", typ, ErrNotConnected, err)
		}
	}
	c := f.live[f.rr%len(f.live)]
	f.rr++
	f.sent[id] = time.Now()
	f.mu.Unlock()
	if err := c.write(data); err != nil {
		return fmt.Errorf("slackfake: send %s envelope on conn %d: %w", typ, c.id, err)
	}
	f.log.Debug("envelope sent", "type", typ, "envelope_id", id, "conn", c.id)
	return nil
}

// trigger is an issued trigger_id.
type trigger struct {
	user   string
	viewID string // the modal the interaction came from, "" otherwise
	issued time.Time
	used   bool
}

// newTriggerLocked issues a trigger_id for user; f.mu must be held.
func (f *Fake) newTriggerLocked(user, viewID string) string {
	f.seq++
	id := fmt.Sprintf("%d.%d.%s", 1000000+f.seq, 4242, newEnvelopeID()[:16])
	f.trigs[id] = &trigger{user: user, viewID: viewID, issued: f.opts.Now()}
	return id
}

// takeTriggerLocked spends a trigger_id the way Slack does: once, and within 3 seconds of the
// interaction (views.open, api.slack.com/methods/views.open: exchanged_trigger_id,
// expired_trigger_id; Slack's dialog.open reference: "presented after the 3 second limit");
// f.mu must be held.
func (f *Fake) takeTriggerLocked(id string) (*trigger, error) {
	t := f.trigs[id]
	switch {
	case t == nil:
		return nil, slackError("invalid_trigger_id")
	case t.used:
		return nil, slackError("exchanged_trigger_id")
	case f.opts.TriggerTTL > 0 && f.opts.Now().Sub(t.issued) > f.opts.TriggerTTL:
		return nil, slackError("expired_trigger_id")
	}
	t.used = true
	return t, nil
}

// newEnvelopeID returns a random UUID-shaped identifier.
func newEnvelopeID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
