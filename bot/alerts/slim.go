package alerts

import (
	"context"

	"github.com/mdebot/mdebot/defender"
)

// A storm's alerts are listed one line each (severity, title, device, status, id), which needs
// a fraction of what MDE sends about an alert. So that a poll of thousands of alerts does not
// hold them whole, each alert of a poll is an item (see item.go) of what routing, mutes,
// digests, the change replies and the watermark read, and only a poll of at most
// fullAlertsKept alerts keeps them whole too (a bigger one keeps, while a SHA-1 mute is in
// force, the evidence's SHA-1s, which it matches). The few cards a big poll still posts or
// edits read their alert whole first (one MDE request per wholeBatch cards, on the poller's
// budget); a storm's digest needs none.
const fullAlertsKept = 200

// wholeBatch is how many alerts one request reads whole again ("id eq ... or id eq ...":
// the List alerts API filters on id, https://learn.microsoft.com/defender-endpoint/api/get-alerts).
const wholeBatch = 20

// cardsAhead tells whole which alerts of the channel get a card, in about the order they are
// posted, so that it reads them whole wholeBatch at a time.
func (d *delivery) cardsAhead(cs ...[]*claimed) {
	if !d.r.slim {
		return
	}
	for _, list := range cs {
		for _, c := range list {
			d.ahead = append(d.ahead, c.it.id())
		}
	}
}

// whole returns a for a card: itself in a poll that kept alerts whole, else with what slim
// dropped read again from MDE, with the next alerts due for a card (one request per
// wholeBatch). The fields the poll decided on (status, severity ...) stay the poll's, so that
// the card shows what the store records. When MDE does not answer, the card goes out without
// the dropped details rather than not at all.
func (d *delivery) whole(ctx context.Context, a defender.Alert) defender.Alert {
	if !d.r.slim {
		return a
	}
	full, ok := d.wholes[a.ID]
	if !ok {
		d.readWhole(ctx, a.ID)
		full, ok = d.wholes[a.ID]
	}
	if !ok {
		return a
	}
	delete(d.wholes, a.ID)
	a.Description, a.Comments, a.MitreTechniques, a.Evidence = full.Description, full.Comments, full.MitreTechniques, full.Evidence
	return a
}

// readWhole reads id and the next alerts due for a card whole, into d.wholes.
func (d *delivery) readWhole(ctx context.Context, id string) {
	p := d.r.p
	ids := []string{id}
	for len(d.ahead) > 0 && len(ids) < wholeBatch {
		if next := d.ahead[0]; next != id {
			ids = append(ids, next)
		}
		d.ahead = d.ahead[1:]
	}
	if d.wholes == nil {
		d.wholes = map[string]defender.Alert{}
	}
	clear(d.wholes) // what was read and not used is not used any more
	err := p.budget.call(ctx, func(ctx context.Context) error {
		for full, err := range p.mde.Alerts(ctx, defender.AlertListOptions{WithEvidence: true,
			ListOptions: defender.ListOptions{Filter: defender.In("id", ids...), PageSize: len(ids), Limit: len(ids)}}) {
			if err != nil {
				return err
			}
			d.wholes[full.ID] = full
		}
		return nil
	})
	if err != nil {
		p.log.Warn("reading alerts whole for their cards failed; posting them without their evidence", "channel", d.ch,
			"alerts", len(ids), "err", err)
	}
}
