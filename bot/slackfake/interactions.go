package slackfake

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
)

// BlockAction describes a user clicking an interactive element on a message
// (ChannelID and MessageTS) or inside a modal (ViewID).
type BlockAction struct {
	UserID    string
	UserName  string // defaults to the user's name, see SetUser
	ChannelID string
	MessageTS string
	ViewID    string // set instead of ChannelID and MessageTS for a modal
	ActionID  string
	// BlockID, Value and Type are read from the element with ActionID in the
	// message's or view's blocks when empty. BlockID is always sent (slack-go
	// only fills BlockActions for actions that carry one); Type defaults to
	// "button".
	BlockID        string
	Value          string
	Type           string
	SelectedOption string // value of the chosen option of a select menu
}

// BlockAction sends an interactive block_actions envelope. For a message
// action it also makes a response_url bound to that message.
func (f *Fake) BlockAction(ctx context.Context, a BlockAction) (Envelope, error) {
	env := Envelope{ID: newEnvelopeID()}
	f.mu.Lock()
	payload := f.interactionLocked("block_actions", a.UserID, a.UserName)
	var blocks json.RawMessage
	if a.ViewID != "" {
		if v := f.rec.viewIndex[a.ViewID]; v != nil {
			blocks = blocksOf(v.JSON)
			payload["view"] = f.viewObjectLocked(v, nil)
		}
		payload["container"] = map[string]any{"type": "view", "view_id": a.ViewID}
	} else {
		container := map[string]any{"type": "message", "message_ts": a.MessageTS, "channel_id": a.ChannelID, "is_ephemeral": false}
		msg := map[string]any{"type": "message", "ts": a.MessageTS}
		thread := ""
		if m := f.rec.msgIndex[msgKey{a.ChannelID, a.MessageTS}]; m != nil {
			blocks, thread, msg = m.Blocks, m.ThreadTS, f.messageObject(m)
			if thread != "" {
				container["thread_ts"] = thread
			}
		}
		env.ResponseURL = f.newResponseURLLocked(env.ID, responseURL{channel: a.ChannelID, ts: a.MessageTS, threadTS: thread, user: a.UserID})
		payload["container"] = container
		payload["channel"] = map[string]any{"id": a.ChannelID, "name": f.channelNameLocked(a.ChannelID)}
		payload["message"] = msg
		payload["response_url"] = env.ResponseURL
		payload["state"] = map[string]any{"values": map[string]any{}}
	}
	el := findElement(blocks, a.ActionID)
	action := map[string]any{
		"action_id": a.ActionID,
		"block_id":  cmp.Or(a.BlockID, el.blockID, "fake-block"),
		"type":      cmp.Or(a.Type, el.typ, "button"),
		"value":     cmp.Or(a.Value, el.value),
		"action_ts": f.nextTSLocked(),
	}
	if el.text != nil {
		action["text"] = el.text
	}
	if a.SelectedOption != "" {
		action["selected_option"] = option(a.SelectedOption)
	}
	payload["actions"] = []any{action}
	env.TriggerID = f.newTriggerLocked(a.UserID, a.ViewID)
	payload["trigger_id"] = env.TriggerID
	f.mu.Unlock()
	return env, f.send(ctx, map[string]any{
		"envelope_id":              env.ID,
		"type":                     "interactive",
		"accepts_response_payload": false,
		"payload":                  payload,
	})
}

// ViewSubmission describes a user submitting a modal.
type ViewSubmission struct {
	UserID   string
	UserName string // defaults to the user's name, see SetUser
	ViewID   string // a view opened through the fake; its fields fill the payload
	// CallbackID and PrivateMetadata override the view's, or supply them
	// when ViewID is not a view the fake knows.
	CallbackID      string
	PrivateMetadata string
	Values          map[string]map[string]InputValue // state.values: block_id -> action_id -> value
}

// InputValue is the state of one input element in a submitted modal.
type InputValue struct {
	Type           string // element type; "plain_text_input" by default
	Value          string
	SelectedOption string // value of the chosen option of a select menu
	SelectedUser   string
	SelectedDate   string // YYYY-MM-DD
}

// ViewSubmission sends an interactive view_submission envelope. The ack may
// carry a response_action payload, so accepts_response_payload is true.
func (f *Fake) ViewSubmission(ctx context.Context, s ViewSubmission) (Envelope, error) {
	env := Envelope{ID: newEnvelopeID()}
	values := map[string]any{}
	for blockID, actions := range s.Values {
		m := map[string]any{}
		for actionID, v := range actions {
			m[actionID] = v.state()
		}
		values[blockID] = m
	}
	f.mu.Lock()
	payload := f.interactionLocked("view_submission", s.UserID, s.UserName)
	v := f.rec.viewIndex[s.ViewID]
	if v == nil {
		v = &View{ID: cmp.Or(s.ViewID, f.nextIDLocked("V")), JSON: json.RawMessage(`{"type":"modal","blocks":[]}`)}
		v.RootViewID = v.ID
	}
	view := f.viewObjectLocked(v, values)
	if s.CallbackID != "" {
		view["callback_id"] = s.CallbackID
	}
	if s.PrivateMetadata != "" {
		view["private_metadata"] = s.PrivateMetadata
	}
	payload["view"] = view
	payload["response_urls"] = []any{}
	env.TriggerID = f.newTriggerLocked(s.UserID, v.ID)
	payload["trigger_id"] = env.TriggerID
	f.mu.Unlock()
	return env, f.send(ctx, map[string]any{
		"envelope_id":              env.ID,
		"type":                     "interactive",
		"accepts_response_payload": true,
		"payload":                  payload,
	})
}

func (v InputValue) state() map[string]any {
	m := map[string]any{"type": cmp.Or(v.Type, "plain_text_input")}
	if v.Value != "" || m["type"] == "plain_text_input" {
		m["value"] = v.Value
	}
	if v.SelectedOption != "" {
		m["selected_option"] = option(v.SelectedOption)
	}
	if v.SelectedUser != "" {
		m["selected_user"] = v.SelectedUser
	}
	if v.SelectedDate != "" {
		m["selected_date"] = v.SelectedDate
	}
	return m
}

// interactionLocked returns the fields every interactive payload has; f.mu
// must be held.
func (f *Fake) interactionLocked(typ, userID, userName string) map[string]any {
	return map[string]any{
		"type": typ,
		"user": map[string]any{
			"id": userID, "username": cmp.Or(userName, f.userNameLocked(userID)),
			"name": cmp.Or(userName, f.userNameLocked(userID)), "team_id": f.opts.TeamID,
		},
		"team":                  map[string]any{"id": f.opts.TeamID, "domain": f.opts.TeamDomain},
		"api_app_id":            f.opts.AppID,
		"token":                 "fake-verification-token",
		"is_enterprise_install": false,
	}
}

func option(value string) map[string]any {
	return map[string]any{"value": value, "text": map[string]any{"type": "plain_text", "text": value}}
}

// element is what findElement learned about an interactive element.
type element struct {
	blockID, typ, value string
	text                any
}

// findElement looks for the element with actionID in a blocks array.
func findElement(blocks json.RawMessage, actionID string) element {
	var list []map[string]any
	if actionID == "" || json.Unmarshal(blocks, &list) != nil {
		return element{}
	}
	for i, b := range list {
		if el, ok := findAction(b, actionID); ok {
			id, _ := b["block_id"].(string)
			out := element{blockID: cmp.Or(id, fmt.Sprintf("fake-block-%d", i)), text: el["text"]}
			out.typ, _ = el["type"].(string)
			out.value, _ = el["value"].(string)
			return out
		}
	}
	return element{}
}

func findAction(v any, actionID string) (map[string]any, bool) {
	switch v := v.(type) {
	case map[string]any:
		if v["action_id"] == actionID {
			return v, true
		}
		for _, e := range v {
			if el, ok := findAction(e, actionID); ok {
				return el, true
			}
		}
	case []any:
		for _, e := range v {
			if el, ok := findAction(e, actionID); ok {
				return el, true
			}
		}
	}
	return nil, false
}
