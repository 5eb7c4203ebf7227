package alerts

import (
	"context"
	"slices"

	"github.com/mdebot/mdebot/store"
)

// Re-routing: the channels of an alert are chosen again at every poll from the alert as it is
// now, so a change (its severity, most often) can send it to other channels than the ones it
// was posted in. Every channel an alert was posted in is kept in the store (its channel list,
// with the retention TTL), and the messages it left are kept up to date: they show the alert as
// it is now, say where it went, and lose their buttons (see updateMoved). An alert that goes
// nowhere now (no route, no default channel), or is below the minimum severity, simply keeps
// its messages up to date where they are, buttons included: there is nowhere else to point to.

// loadMoved reads the notifications of the channels each alert was posted in and no longer goes
// to, and sets the items' moved channels (or, for alerts that stay where they are, adds those
// channels to theirs).
func (r *pollRun) loadMoved(ctx context.Context, items []*item) error {
	var q store.AlertStateQuery
	for _, it := range items {
		for _, ch := range r.state.Channels[it.id()] {
			if !slices.Contains(it.channels(), ch) {
				q.Messages = append(q.Messages, store.AlertKey{Channel: ch, AlertID: it.id()})
			}
		}
	}
	if len(q.Messages) == 0 {
		return nil
	}
	st, err := r.p.st.LoadAlertState(ctx, q)
	if err != nil {
		return err
	}
	for _, it := range items {
		stay := it.low() || len(it.channels()) == 0
		for _, ch := range r.state.Channels[it.id()] {
			if slices.Contains(it.channels(), ch) {
				continue
			}
			k := store.AlertKey{Channel: ch, AlertID: it.id()}
			m, ok := st.Messages[k]
			if !ok || (!m.Posted() && m.State != store.StatePending) {
				continue
			}
			r.state.Messages[k] = m
			if stay {
				if m.Posted() {
					x := it.more()
					x.channels = append(slices.Clip(it.channels()), ch) // a copy: the facets' channels are shared
				}
				continue
			}
			x := it.more()
			x.moved = append(x.moved, ch)
		}
	}
	return nil
}
