package alerts

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
)

// fetch reads every alert updated since, page by page ($top and $skip: with $top MDE sends no
// nextLink), keeping one version of each alert (the latest) when pages overlap, each as an item
// (see item.go) made as soon as it is decoded. A poll of at most fullAlertsKept alerts keeps
// them whole too (see slim.go).
func (r *pollRun) fetch(ctx context.Context, since time.Time, mutes []store.Mute) ([]*item, error) {
	p := r.p
	size := p.opts.PageSize
	var out []*item
	var block []item // items are made itemBlock at a time: never moved, never copied as the poll grows
	var in interner
	slimmed := false
	keepSHA1 := slices.ContainsFunc(mutes, func(m store.Mute) bool { return m.Kind == store.MuteSHA1 })
	add := func(a defender.Alert) {
		if !slimmed && len(out) >= fullAlertsKept {
			slimmed = true
			for i := range out {
				out[i].slim(keepSHA1, r.first)
			}
		}
		if len(block) == cap(block) {
			block = make([]item, 0, itemBlock)
		}
		block = append(block, in.newItem(a, !slimmed, keepSHA1, r.first))
		out = append(out, &block[len(block)-1])
	}
	for skip := 0; ; skip += size {
		n := 0
		err := p.budget.call(ctx, func(ctx context.Context) error {
			for a, err := range p.mde.Alerts(ctx, defender.AlertListOptions{WithEvidence: true, ListOptions: defender.ListOptions{
				Filter: defender.Ge("lastUpdateTime", since), PageSize: size, Limit: size, Skip: skip}}) {
				if err != nil {
					return err
				}
				n++
				add(a)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("alert poller: reading alerts: %w", err)
		}
		if n < size {
			break
		}
	}
	r.slim = slimmed
	// One version of each alert, the latest (sorting is cheaper in memory than a map of ids).
	slices.SortStableFunc(out, func(a, b *item) int {
		return cmp.Or(compareStrings(a.id(), b.id()), cmp.Compare(b.updated, a.updated))
	})
	out = slices.CompactFunc(out, func(a, b *item) bool { return a.id() == b.id() })
	slices.SortStableFunc(out, func(a, b *item) int {
		if c := cmp.Compare(a.updated, b.updated); c != 0 {
			return c
		}
		return compareStrings(a.id(), b.id())
	})
	r.seen.Store(int64(len(out)))
	return slices.Clip(out), nil
}

// itemBlock is how many items fetch makes at a time.
const itemBlock = 512

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// classify decides each alert's channels (once for all the alerts of alike facets and device)
// and mute.
func (r *pollRun) classify(ctx context.Context, items []*item, mutes []store.Mute) error {
	p := r.p
	var tags map[string][]string
	if p.opts.Routes.NeedsTags() {
		var ids []string
		seen := map[string]bool{}
		for _, it := range items {
			if id := it.rt.dev.machineID; id != "" && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		var err error
		p.tags.forgetRetagged(ctx, p.st, r.now)
		if tags, err = p.tags.tags(ctx, p.mde, p.budget, r.now, ids); err != nil {
			return err
		}
	}
	for _, it := range items {
		if rt := it.rt; !rt.routed {
			rt.routed = true
			rt.f.low = !rt.f.sev.AtLeast(p.opts.MinSeverity)
			rt.channels = p.opts.Routes.Channels(it.alert(), tags[rt.dev.machineID], p.opts.DefaultChannel)
		}
		if len(mutes) > 0 && !it.low() {
			if m, ok := commands.MatchingMute(mutes, it.alert()); ok {
				it.more().mute = &m
			}
		}
		if len(it.channels()) == 0 && !it.low() {
			r.unrouted.Add(1)
		}
	}
	return nil
}
