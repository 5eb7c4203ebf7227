package approvals

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/mdebot/mdebot/bot/render"
	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
	"github.com/slack-go/slack"
)

// DefaultSweepEvery is how often RunSweeper sweeps.
const DefaultSweepEvery = 10 * time.Second

// Sweep does one pass: it expires the requests whose time is up (their cards turn to
// "expired"), finishes what a stopped replica left, and follows every Defender action still
// running, redrawing its card at each change and posting a collection's package link once.
// Every replica may sweep: each change is recorded once in Redis, and only the replica that
// recorded it redraws the card.
func (a *Cards) Sweep(ctx context.Context) error {
	var errs []error
	expired, err := a.flow.ExpireDue(ctx)
	errs = append(errs, err)
	for _, ap := range expired {
		a.show(ctx, ap)
		a.tell(ctx, ap, "Your request expired without enough approvals; it will never run. Ask again if it is still needed.")
	}
	resumed, err := a.flow.Resume(ctx)
	errs = append(errs, err)
	for _, o := range resumed {
		a.show(ctx, o.Approval)
		a.tell(ctx, o.Approval, resultLine(o.Approval))
		a.ran(ctx, o.Approval)
	}
	errs = append(errs, a.sweepTimed(ctx))
	ids, err := a.flow.Followed(ctx)
	errs = append(errs, err)
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		errs = append(errs, a.follow(ctx, id))
	}
	return errors.Join(errs...)
}

// follow looks at one Defender action.
func (a *Cards) follow(ctx context.Context, id string) error {
	p, err := a.flow.Poll(ctx, id)
	if err != nil {
		return err
	}
	if p.Changed {
		a.show(ctx, p.Approval)
		if defender.ActionStatus(p.Approval.ActionStatus).Final() {
			a.tell(ctx, p.Approval, render.ActionFinished(p.Approval))
		}
	}
	if p.PackageURL != "" {
		a.postPackage(ctx, p)
	}
	return nil
}

// postPackage sends a collection's download link by direct message to the requester and the
// approvers only: it is a short-lived signed link that lets whoever holds it download the
// device's forensic data, so it is never posted in a channel, logged, audited or put on the
// card. The card's thread says who got it.
func (a *Cards) postPackage(ctx context.Context, p commands.Progress) {
	text := render.PackageReady(p, a.now())
	var sent []string
	for _, u := range slices.Compact(slices.Sorted(slices.Values(append([]string{p.Approval.Requester}, p.Approval.Voters()...)))) {
		im, _, _, err := a.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{u}})
		if err == nil {
			_, _, err = a.api.PostMessageContext(ctx, im.ID, slack.MsgOptionText(text+" (request "+p.Approval.ID+")", false))
		}
		if err != nil {
			a.log.Warn("package link not sent", "request", p.Approval.ID, "user", u, "err", err)
			continue
		}
		sent = append(sent, render.Mention(u))
	}
	note := "The investigation package is ready; its link was sent by direct message to " + strings.Join(sent, ", ") + "."
	if len(sent) == 0 {
		note = "The investigation package is ready, but its link could not be sent by direct message; download it from the Defender portal."
	}
	a.tell(ctx, p.Approval, note)
}

// RunSweeper sweeps every interval (DefaultSweepEvery when not positive) until ctx ends.
func (a *Cards) RunSweeper(ctx context.Context, every time.Duration) error {
	if every <= 0 {
		every = DefaultSweepEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := a.Sweep(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("approval sweep incomplete", "err", err)
			}
		}
	}
}
