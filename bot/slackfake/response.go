package slackfake

import (
	"encoding/json"
	"io"
	"net/http"
	"time"
)

// responseURLUses is how many posts Slack accepts per response_url.
const responseURLUses = 5

// responseURL is where an envelope's response_url leads: the channel, the
// message the interaction came from ("" for a slash command) and the user.
type responseURL struct {
	channel, ts, threadTS, user string
	uses                        int
	// eph is 1 + the index of the last ephemeral message this URL posted, 0 for none: for a
	// slash command (no ts), replace_original and delete_original act on it, the message the
	// command produced.
	eph int
}

// newResponseURLLocked makes the response_url for an envelope; f.mu must be held.
func (f *Fake) newResponseURLLocked(envelopeID string, r responseURL) string {
	f.resps[envelopeID] = &r
	return f.base + "/response/" + envelopeID
}

// responseBody is the JSON slack-go posts to a response_url.
type responseBody struct {
	Text            string          `json:"text"`
	Blocks          json.RawMessage `json:"blocks"`
	Attachments     json.RawMessage `json:"attachments"`
	ResponseType    string          `json:"response_type"`
	ReplaceOriginal bool            `json:"replace_original"`
	DeleteOriginal  bool            `json:"delete_original"`
	ThreadTS        string          `json:"thread_ts"`
}

// serveResponseURL records a response_url post and applies it: delete or
// replace the original message, post in the channel, or (the default) show
// an ephemeral message to the user. A URL takes at most five posts. The
// original of a slash command is the ephemeral message its URL last posted.
func (f *Fake) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	data, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	var body responseBody
	if err != nil || json.Unmarshal(data, &body) != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error": "invalid_payload"})
		return
	}
	body.Blocks = nonEmpty(body.Blocks)
	body.Attachments = nonEmpty(body.Attachments)

	f.mu.Lock()
	defer f.mu.Unlock()
	ru := f.resps[id]
	switch {
	case ru == nil:
		writeJSON(w, http.StatusNotFound, map[string]any{"ok": false, "error": "expired_url"})
		return
	case ru.uses >= responseURLUses:
		writeJSON(w, http.StatusNotFound, map[string]any{"ok": false, "error": "used_url"})
		return
	}
	ru.uses++
	f.rec.posts = append(f.rec.posts, ResponsePost{
		ID: id, Body: json.RawMessage(data), Text: body.Text, Blocks: body.Blocks,
		ResponseType: body.ResponseType, ReplaceOriginal: body.ReplaceOriginal,
		DeleteOriginal: body.DeleteOriginal, ThreadTS: body.ThreadTS, At: time.Now(),
	})
	f.applyResponseLocked(ru, body)
	f.notifyLocked()
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

// applyResponseLocked makes a response_url post visible; f.mu must be held.
func (f *Fake) applyResponseLocked(ru *responseURL, b responseBody) {
	orig := f.rec.msgIndex[msgKey{ru.channel, ru.ts}]
	if orig != nil && orig.Deleted {
		orig = nil
	}
	switch {
	case b.DeleteOriginal && orig == nil && ru.ts == "" && ru.eph > 0:
		f.rec.ephemerals[ru.eph-1].Deleted = true
	case b.DeleteOriginal:
		if orig != nil {
			orig.Deleted = true
			f.reviseMessageLocked(orig, "response_url", false)
		}
	case b.ReplaceOriginal && orig != nil:
		orig.Text, orig.Blocks, orig.Attachments = b.Text, b.Blocks, b.Attachments
		f.reviseMessageLocked(orig, "response_url", false)
	case b.ReplaceOriginal && ru.ts == "" && ru.eph > 0:
		e := &f.rec.ephemerals[ru.eph-1]
		e.Text, e.Blocks, e.Replaced = b.Text, b.Blocks, e.Replaced+1
		f.scanMentionsLocked(false, b.Text, b.Blocks, b.Attachments)
	case b.ResponseType == "in_channel":
		m := &Message{Channel: ru.channel, TS: f.nextTSLocked(), ThreadTS: b.ThreadTS, Text: b.Text, Blocks: b.Blocks, Attachments: b.Attachments}
		f.addMessageLocked(m, "response_url", false)
	default:
		f.rec.ephemerals = append(f.rec.ephemerals, Ephemeral{
			Channel: ru.channel, User: ru.user, ThreadTS: b.ThreadTS, Text: b.Text, Blocks: b.Blocks, Via: "response_url",
		})
		ru.eph = len(f.rec.ephemerals)
		f.scanMentionsLocked(false, b.Text, b.Blocks, b.Attachments)
	}
}

// nonEmpty maps JSON null and [] to nil.
func nonEmpty(raw json.RawMessage) json.RawMessage {
	switch string(raw) {
	case "", "null", "[]":
		return nil
	}
	return raw
}
