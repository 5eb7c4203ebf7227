package slackfake

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits Slack enforces on messages: 40,000 characters of text (chat.postMessage), 50 blocks a
// message, and a section's text of at most 3,000 characters, its fields at most 10 of 2,000
// (Block Kit reference, section block: https://api.slack.com/reference/block-kit/blocks#section).
const (
	maxTextLen         = 40000
	maxMessageBlocks   = 50
	maxSectionText     = 3000
	maxSectionFields   = 10
	maxSectionFieldLen = 2000
)

// sectionBlock is what the fake checks of a section block.
type sectionBlock struct {
	Type string `json:"type"`
	Text *struct {
		Text string `json:"text"`
	} `json:"text"`
	Fields []struct {
		Text string `json:"text"`
	} `json:"fields"`
}

// sectionFits reports whether a block, when it is a section, keeps to Slack's section limits.
func sectionFits(raw json.RawMessage) bool {
	var b sectionBlock
	if json.Unmarshal(raw, &b) != nil || b.Type != "section" {
		return true
	}
	if b.Text != nil && utf8.RuneCountInString(b.Text.Text) > maxSectionText || len(b.Fields) > maxSectionFields {
		return false
	}
	for _, f := range b.Fields {
		if utf8.RuneCountInString(f.Text) > maxSectionFieldLen {
			return false
		}
	}
	return true
}

// content is the text, blocks and attachments of a chat call.
type content struct {
	text        string
	blocks      json.RawMessage
	attachments json.RawMessage
}

// readContent validates the message arguments of a chat call.
func readContent(req *apiRequest) (content, error) {
	c := content{text: req.get("text"), blocks: req.raw("blocks"), attachments: req.raw("attachments")}
	if len(c.text) > maxTextLen {
		return c, slackError("msg_too_long")
	}
	if c.blocks != nil {
		var list []json.RawMessage
		if err := json.Unmarshal(c.blocks, &list); err != nil || len(list) > maxMessageBlocks {
			return c, slackError("invalid_blocks")
		}
		for _, b := range list {
			if !sectionFits(b) {
				return c, slackError("invalid_blocks")
			}
		}
		if len(list) == 0 {
			c.blocks = nil
		}
	}
	if c.attachments != nil && !json.Valid(c.attachments) {
		return c, slackError("invalid_attachments")
	}
	return c, nil
}

func (c content) empty() bool {
	return c.text == "" && c.blocks == nil && (c.attachments == nil || string(c.attachments) == "[]")
}

// chatPostMessage posts a channel message or a thread reply.
func (f *Fake) chatPostMessage(req *apiRequest) (map[string]any, error) {
	ch := req.get("channel")
	if ch == "" {
		return nil, slackError("channel_not_found")
	}
	c, err := readContent(req)
	if err != nil {
		return nil, err
	}
	if c.empty() {
		return nil, slackError("no_text")
	}
	meta, err := readMetadata(req)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.membershipLocked(ch, true); err != nil {
		return nil, err
	}
	m := &Message{Channel: ch, TS: f.nextTSLocked(), ThreadTS: req.get("thread_ts"), Text: c.text, Blocks: c.blocks, Attachments: c.attachments, Metadata: meta}
	m.Broadcast = m.ThreadTS != "" && req.flag("reply_broadcast")
	f.addMessageLocked(m, "chat.postMessage", req.flag("link_names"))
	f.notifyLocked()
	return map[string]any{"channel": ch, "ts": m.TS, "message": f.messageObject(m)}, nil
}

// chatUpdate edits a message: text, blocks, attachments and metadata are
// replaced when given, and kept when the call leaves them out, as Slack does.
func (f *Fake) chatUpdate(req *apiRequest) (map[string]any, error) {
	c, err := readContent(req)
	if err != nil {
		return nil, err
	}
	meta, err := readMetadata(req)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.liveMessageLocked(req.get("channel"), req.get("ts"))
	if err != nil {
		return nil, err
	}
	if req.has("text") {
		m.Text = c.text
	}
	if req.has("blocks") {
		m.Blocks = c.blocks
	}
	if req.has("attachments") {
		m.Attachments = c.attachments
	}
	if meta != nil {
		m.Metadata = meta
	}
	if m.Text == "" && m.Blocks == nil && m.Attachments == nil {
		return nil, slackError("no_text")
	}
	f.reviseMessageLocked(m, "chat.update", req.flag("link_names"))
	f.notifyLocked()
	return map[string]any{"channel": m.Channel, "ts": m.TS, "text": m.Text, "message": f.messageObject(m)}, nil
}

// chatDelete marks a message deleted.
func (f *Fake) chatDelete(req *apiRequest) (map[string]any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.liveMessageLocked(req.get("channel"), req.get("ts"))
	if err != nil {
		return nil, err
	}
	m.Deleted = true
	f.reviseMessageLocked(m, "chat.delete", false)
	f.notifyLocked()
	return map[string]any{"channel": m.Channel, "ts": m.TS}, nil
}

// chatPostEphemeral records a message only one user sees.
func (f *Fake) chatPostEphemeral(req *apiRequest) (map[string]any, error) {
	ch, user := req.get("channel"), req.get("user")
	if ch == "" {
		return nil, slackError("channel_not_found")
	}
	if user == "" {
		return nil, slackError("user_not_found")
	}
	c, err := readContent(req)
	if err != nil {
		return nil, err
	}
	if c.empty() {
		return nil, slackError("no_text")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	e := Ephemeral{Channel: ch, User: user, TS: f.nextTSLocked(), ThreadTS: req.get("thread_ts"), Text: c.text, Blocks: c.blocks, Via: "chat.postEphemeral"}
	f.rec.ephemerals = append(f.rec.ephemerals, e)
	f.scanMentionsLocked(req.flag("link_names"), c.text, c.blocks, c.attachments)
	f.notifyLocked()
	return map[string]any{"message_ts": e.TS}, nil
}

// chatGetPermalink returns a workspace URL for a message.
func (f *Fake) chatGetPermalink(req *apiRequest) (map[string]any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.liveMessageLocked(req.get("channel"), req.get("message_ts"))
	if err != nil {
		return nil, err
	}
	link := fmt.Sprintf("https://%s.slack.com/archives/%s/p%s", f.opts.TeamDomain, m.Channel, strings.Replace(m.TS, ".", "", 1))
	if m.ThreadTS != "" {
		link += "?thread_ts=" + m.ThreadTS + "&cid=" + m.Channel
	}
	return map[string]any{"channel": m.Channel, "permalink": link}, nil
}

// liveMessageLocked finds a message that exists and is not deleted; f.mu
// must be held.
func (f *Fake) liveMessageLocked(channel, ts string) (*Message, error) {
	if channel == "" {
		return nil, slackError("channel_not_found")
	}
	m := f.rec.msgIndex[msgKey{channel, ts}]
	if m == nil || m.Deleted {
		return nil, slackError("message_not_found")
	}
	return m, nil
}

// messageObject renders a message the way the Web API and interaction
// payloads show it.
func (f *Fake) messageObject(m *Message) map[string]any {
	out := map[string]any{
		"type": "message", "user": f.opts.BotUserID, "bot_id": f.opts.BotID,
		"app_id": f.opts.AppID, "team": f.opts.TeamID, "ts": m.TS, "text": m.Text,
	}
	if m.Author != nil {
		out["user"], out["bot_id"], out["app_id"] = m.Author.UserID, m.Author.BotID, m.Author.AppID
	}
	if m.ThreadTS != "" {
		out["thread_ts"] = m.ThreadTS
	}
	if m.Broadcast {
		out["subtype"] = "thread_broadcast"
	}
	if m.Blocks != nil {
		out["blocks"] = m.Blocks
	}
	if m.Attachments != nil {
		out["attachments"] = m.Attachments
	}
	return out
}
