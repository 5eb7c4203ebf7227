package alerts

import (
	"strings"
	"sync"
)

// Every poll reads again the alerts updated in the overlap window (5 minutes by default), so a
// steady flow of alerts is read many times over, and each time loading its records cost two
// Redis reads per alert (its message and its channel list) only to find it done: with 10,000
// alerts in 5 minutes, most of the Redis commands per alert. So the leader remembers, for its
// term, the alerts whose every message it found or left done at their digest, in the channels
// they go to, with nothing to keep up to date in channels they left; a poll that reads such an
// alert again, unchanged and routed alike, leaves it out before loading. Nothing but the leader
// of the term writes those records (a new leader starts with nothing remembered), so what it
// remembers is what Redis would say. A muted alert, one below the minimum severity, one that
// goes nowhere, and one with messages in channels it left are never remembered; one left
// unhandled (its watermark held) is forgotten.

// handled is the leader's memory of alerts done, for one term.
type handled struct {
	mu   sync.Mutex
	term *term
	done map[string]handledMark // alert id -> how it was done
}

// handledMark is an alert as it was done: its digest and the channels it went to.
type handledMark struct{ digest, channels string }

// rememberable reports whether it may be remembered or left out: not muted, not below the
// minimum, going somewhere, and (once loaded) with no messages elsewhere.
func rememberable(it *item) bool {
	if it.mute() != nil || it.low() || len(it.channels()) == 0 {
		return false
	}
	return it.x == nil || (it.x.moved == nil && it.x.channels == nil)
}

// marks builds each item's mark, joining each route's channels once.
type marks map[*route]string

func (m marks) of(it *item) handledMark {
	chans, ok := m[it.rt]
	if !ok {
		chans = strings.Join(it.rt.channels, ",")
		m[it.rt] = chans
	}
	return handledMark{digest: it.digest(), channels: chans}
}

// todo returns the items of a poll of term t that are not known done; a new term forgets.
func (h *handled) todo(t *term, items []*item) []*item {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.term != t {
		h.term, h.done = t, nil
	}
	if len(h.done) == 0 {
		return items
	}
	m := marks{}
	out := make([]*item, 0, len(items))
	for _, it := range items {
		if mk, ok := h.done[it.id()]; ok && rememberable(it) && mk == m.of(it) {
			continue
		}
		out = append(out, it)
	}
	return out
}

// remember replaces what is remembered by the items of a finished poll of term t that are done:
// alerts no longer read (out of the overlap window) are forgotten with it.
func (h *handled) remember(t *term, items []*item) {
	m := marks{}
	done := make(map[string]handledMark)
	for _, it := range items {
		if rememberable(it) && !it.isUnhandled() {
			done[it.id()] = m.of(it)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.term == t {
		h.done = done
	}
}
