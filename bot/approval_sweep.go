package bot

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
)

// DefaultSweepEvery is how often RunSweeper sweeps.
const DefaultSweepEvery = 10 * time.Second

// Sweep does one pass: it expires the requests whose time is up (their cards turn to
// "expired"), finishes what a stopped replica left, and follows every Defender action still
// running, redrawing its card at each change and posting a collection's package link once.
// Every replica may sweep: each change is recorded once in Redis, and only the replica that
// recorded it redraws the card.
func (a *Approvals) Sweep(ctx context.Context) error {
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
func (a *Approvals) follow(ctx context.Context, id string) error {
	p, err := a.flow.Poll(ctx, id)
	if err != nil {
		return err
	}
	if p.Changed {
		a.show(ctx, p.Approval)
		if defender.ActionStatus(p.Approval.ActionStatus).Final() {
			a.tell(ctx, p.Approval, a.finalLine(p.Approval))
		}
	}
	if p.PackageURL != "" {
		a.postPackage(ctx, p)
	}
	return nil
}

func (a *Approvals) finalLine(ap commands.Approval) string {
	b := &msgBuilder{}
	return b.actionEmoji(defender.ActionStatus(ap.ActionStatus)) + " Defender finished " + commands.EscapeMrkdwn(ap.Request.Verb) +
		" on " + b.code(ap.Target(), 200) + ": " + commands.EscapeMrkdwn(ap.ActionStatus) + "."
}

// postPackage posts a collection's download link in the card's thread only: it is a short-lived
// signed link, so it is never logged, audited or put on the card.
func (a *Approvals) postPackage(ctx context.Context, p commands.Progress) {
	b := &msgBuilder{now: a.now().UTC()}
	until := "It is short-lived; ask `action " + p.Approval.ActionID + "` for the status and collect again if it lapsed."
	if !p.PackageExpires.IsZero() {
		until = "It works until " + b.when(p.PackageExpires) + ", then collect again."
	}
	link := b.link(p.PackageURL, "download the investigation package", 100)
	if len(p.PackageURL) > limitURL || strings.ContainsAny(p.PackageURL, "<>| ") {
		link = "the link is too long for Slack; use the Defender portal"
	}
	a.tell(ctx, p.Approval, "The investigation package is ready: "+link+". "+until)
}

// RunSweeper sweeps every interval (DefaultSweepEvery when not positive) until ctx ends.
func (a *Approvals) RunSweeper(ctx context.Context, every time.Duration) error {
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
