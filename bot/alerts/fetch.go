package alerts

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
)

// fetch reads every alert updated since, page by page ($top and $skip: with $top MDE sends no
// nextLink), keeping one version of each alert (the latest) when pages overlap. A poll of more
// than fullAlertsKept alerts keeps each one slim (see slim.go) as soon as it is decoded.
func (r *pollRun) fetch(ctx context.Context, since time.Time, mutes []store.Mute) ([]defender.Alert, error) {
	p := r.p
	size := p.opts.PageSize
	byID := map[string]int{}
	var out []defender.Alert
	slimmed := false
	keepSHA1 := slices.ContainsFunc(mutes, func(m store.Mute) bool { return m.Kind == store.MuteSHA1 })
	add := func(a defender.Alert) {
		if !slimmed && len(out) >= fullAlertsKept {
			slimmed = true
			for i := range out {
				out[i] = slim(out[i], keepSHA1)
			}
		}
		if slimmed {
			a = slim(a, keepSHA1)
		}
		if i, ok := byID[a.ID]; ok {
			if a.LastUpdateTime.After(out[i].LastUpdateTime.Time) {
				out[i] = a
			}
			return
		}
		byID[a.ID] = len(out)
		out = append(out, a)
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
	slices.SortStableFunc(out, func(a, b defender.Alert) int {
		if c := a.LastUpdateTime.Compare(b.LastUpdateTime.Time); c != 0 {
			return c
		}
		return compareStrings(a.ID, b.ID)
	})
	r.seen.Store(int64(len(out)))
	return out, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// classify decides each alert's channels and mute.
func (r *pollRun) classify(ctx context.Context, alerts []defender.Alert, mutes []store.Mute) ([]*item, error) {
	p := r.p
	var tags map[string][]string
	if p.opts.Routes.NeedsTags() {
		var ids []string
		for _, a := range alerts {
			if a.MachineID != "" {
				ids = append(ids, a.MachineID)
			}
		}
		var err error
		p.tags.forgetRetagged(ctx, p.st, r.now)
		if tags, err = p.tags.tags(ctx, p.mde, p.budget, r.now, ids); err != nil {
			return nil, err
		}
	}
	items := make([]*item, 0, len(alerts))
	for i := range alerts {
		a := alerts[i]
		it := &item{a: &alerts[i], vis: visibleOf(a), low: !a.Severity.AtLeast(p.opts.MinSeverity)}
		it.digest = it.vis.digest()
		it.channels = p.opts.Routes.Channels(a, tags[a.MachineID], p.opts.DefaultChannel)
		if m, ok := commands.MatchingMute(mutes, a); ok && !it.low {
			it.mute = &m
		}
		if len(it.channels) == 0 && !it.low {
			r.unrouted.Add(1)
		}
		items = append(items, it)
	}
	return items, nil
}
