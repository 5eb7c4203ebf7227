package slackfake

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// History limits, as Slack documents them.
const (
	historyDefaultLimit = 100
	historyMaxLimit     = 999
)

// readMetadata reads chat.postMessage's metadata argument: a JSON object with event_type and
// event_payload, or nothing.
func readMetadata(req *apiRequest) (json.RawMessage, error) {
	raw := req.raw("metadata")
	if raw == nil {
		return nil, nil
	}
	var m struct {
		EventType string `json:"event_type"`
	}
	if err := json.Unmarshal(raw, &m); err != nil || m.EventType == "" {
		return nil, slackError("invalid_metadata_format")
	}
	return raw, nil
}

// conversationsHistory lists a channel's top-level messages (thread replies are not part of a
// channel's history, except those also sent to the channel with reply_broadcast), newest first,
// between oldest and latest, a page at a time.
func (f *Fake) conversationsHistory(req *apiRequest) (map[string]any, error) {
	ch := req.get("channel")
	if ch == "" {
		return nil, slackError("channel_not_found")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.membershipLocked(ch, false); err != nil {
		return nil, err
	}
	var list []*Message
	for _, m := range f.rec.messages {
		if m.Channel == ch && !m.Deleted && (m.ThreadTS == "" || m.ThreadTS == m.TS || m.Broadcast) {
			list = append(list, m)
		}
	}
	slices.Reverse(list)
	return f.historyPage(req, list)
}

// conversationsReplies lists a thread: the parent, then its replies oldest first.
func (f *Fake) conversationsReplies(req *apiRequest) (map[string]any, error) {
	ch, ts := req.get("channel"), req.get("ts")
	if ch == "" {
		return nil, slackError("channel_not_found")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	parent := f.rec.msgIndex[msgKey{ch, ts}]
	if parent == nil || parent.Deleted {
		return nil, slackError("thread_not_found")
	}
	list := []*Message{parent}
	for _, m := range f.rec.messages {
		if m.Channel == ch && m.ThreadTS == ts && m.TS != ts && !m.Deleted {
			list = append(list, m)
		}
	}
	return f.historyPage(req, list)
}

// historyPage filters list by oldest, latest and inclusive, and returns the page the cursor (an
// offset) and limit select; f.mu must be held.
func (f *Fake) historyPage(req *apiRequest, list []*Message) (map[string]any, error) {
	oldest, latest := tsValue(req.get("oldest")), tsValue(req.get("latest"))
	inclusive := req.flag("inclusive")
	var kept []*Message
	for _, m := range list {
		t := tsValue(m.TS)
		if oldest > 0 && (t < oldest || t == oldest && !inclusive) {
			continue
		}
		if latest > 0 && (t > latest || t == latest && !inclusive) {
			continue
		}
		kept = append(kept, m)
	}
	limit := historyDefaultLimit
	if n, err := strconv.Atoi(req.get("limit")); err == nil && n > 0 {
		limit = min(n, historyMaxLimit)
	}
	start := 0
	if c := req.get("cursor"); c != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(c, "offset_"))
		if err != nil || n < 0 || n > len(kept) {
			return nil, slackError("invalid_cursor")
		}
		start = n
	}
	end := min(start+limit, len(kept))
	withMeta := req.flag("include_all_metadata")
	msgs := make([]any, 0, end-start)
	for _, m := range kept[start:end] {
		obj := f.messageObject(m)
		if withMeta && m.Metadata != nil {
			obj["metadata"] = m.Metadata
		}
		msgs = append(msgs, obj)
	}
	next := ""
	if end < len(kept) {
		next = "offset_" + strconv.Itoa(end)
	}
	return map[string]any{"messages": msgs, "has_more": next != "",
		"response_metadata": map[string]any{"next_cursor": next}}, nil
}

// tsValue reads a message timestamp ("1712345678.000123") as microseconds; 0 when empty or
// unreadable.
func tsValue(ts string) int64 {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return 0
	}
	frac = (frac + "000000")[:6]
	us, err := strconv.ParseInt(frac, 10, 64)
	if err != nil {
		return 0
	}
	return s*1e6 + us
}
