package slackfake

import "encoding/json"

// PostForeign adds a top-level message (or, with m.ThreadTS, a reply) that someone else posted:
// another app, or a person, named by author. It is what conversations.history and
// conversations.replies then show with that author's user, bot_id and app_id, so that a test can
// put a look-alike of the bot's own messages (same text, blocks and metadata) in a channel.
// m.Channel, m.Text, m.Blocks, m.Metadata and m.ThreadTS are used; the timestamp is returned.
func (f *Fake) PostForeign(author Author, m Message) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	msg := &Message{Channel: m.Channel, TS: f.nextTSLocked(), ThreadTS: m.ThreadTS, Text: m.Text,
		Blocks: cloneRaw(m.Blocks), Metadata: cloneRaw(m.Metadata), Author: &author}
	f.addMessageLocked(msg, "foreign", false)
	f.notifyLocked()
	return msg.TS
}

func cloneRaw(r json.RawMessage) json.RawMessage {
	if r == nil {
		return nil
	}
	return append(json.RawMessage{}, r...)
}
