package approvals

import (
	"context"

	"github.com/mdebot/mdebot/bot/interact"
	"github.com/mdebot/mdebot/bot/render"
	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
	"github.com/slack-go/slack"
)

// Reasons of the requests the reminder's buttons make.
const (
	extendReason  = "extended from the reminder in Slack"
	releaseReason = "released early from the reminder in Slack"
)

// sweepTimed shows what the looks at time-boxed containments did: the reminder with its buttons
// in the card's thread, the release at the end on the card and in the thread, and the release's
// Defender action until it ends. Only the replica that claimed each step in Redis shows it.
func (a *Cards) sweepTimed(ctx context.Context) error {
	steps, err := a.flow.ContainmentsDue(ctx)
	for _, st := range steps {
		ap := st.Approval
		switch {
		case st.Remind:
			a.remind(ctx, ap)
		case st.Released:
			a.show(ctx, ap)
			a.tell(ctx, ap, render.ReleaseLine(ap, a.now()))
		case st.Progress:
			a.show(ctx, ap)
			if defender.ActionStatus(ap.Contain.ActionStatus).Final() {
				a.tell(ctx, ap, "Defender finished the release at the end: "+commands.EscapeMrkdwn(ap.Contain.ActionStatus)+".")
			}
		}
	}
	return err
}

// remind posts the reminder in the card's thread and redraws the card (its countdown).
func (a *Cards) remind(ctx context.Context, ap commands.Approval) {
	a.show(ctx, ap)
	if ap.CardTS == "" {
		return
	}
	msg := render.Reminder(ap, a.now())
	if _, _, err := a.api.PostMessageContext(ctx, ap.CardChannel, slack.MsgOptionTS(ap.CardTS),
		slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks...)); err != nil {
		a.log.Warn("release reminder not posted", "request", ap.ID, "err", err)
	}
}

// onExtend asks, as the person who clicked, `extend <request> 4h`: the router checks their role
// and the approval policy of the containment's verb decides, as for the typed command.
func (a *Cards) onExtend(ctx context.Context, cb slack.InteractionCallback, act slack.BlockAction) {
	ap, ok := a.timedOfClick(ctx, cb, act)
	if !ok {
		return
	}
	a.host.RunCommand(ctx, interact.ReplyTo(cb), "extend "+ap.ID+" 4h "+commands.QuoteArg(extendReason))
}

// onReleaseNow asks, as the person who clicked, `release <device>` (or `unrestrict`): ending a
// containment early follows the approval policy of that verb, like a typed request.
func (a *Cards) onReleaseNow(ctx context.Context, cb slack.InteractionCallback, act slack.BlockAction) {
	ap, ok := a.timedOfClick(ctx, cb, act)
	if !ok {
		return
	}
	a.host.RunCommand(ctx, interact.ReplyTo(cb), commands.UndoVerb(ap.Request.Verb)+" "+ap.Request.MachineID+" "+commands.QuoteArg(releaseReason))
}

// timedOfClick reads the request a reminder button names; the button must be in the channel of
// that request's card. Nothing else in the click is trusted: the command it runs checks again.
func (a *Cards) timedOfClick(ctx context.Context, cb slack.InteractionCallback, act slack.BlockAction) (commands.Approval, bool) {
	refuse := func(text string) (commands.Approval, bool) {
		a.answer(ctx, cb, text)
		return commands.Approval{}, false
	}
	if !commands.IsRequestID(act.Value) {
		return refuse("This button does not belong to a request mdebot knows. Nothing was done.")
	}
	ap, err := a.flow.Get(ctx, act.Value)
	if err != nil {
		return refuse("This button does not belong to a request mdebot knows (it may be older than 7 days). Nothing was done.")
	}
	if ap.CardChannel != "" && interact.ChannelOf(cb) != ap.CardChannel {
		return refuse("This button does not belong to the request's card. Nothing was done.")
	}
	if !ap.Timed() {
		return refuse("The containment of " + ap.ID + " has no release to come any more (it is " + string(ap.Contain.State) + "). Nothing was done.")
	}
	return ap, true
}

// ranTimed redraws the card of the containment an extension, a cancel of its timed release or an
// early release changed, and tells its requester.
func (a *Cards) ranTimed(ctx context.Context, ap commands.Approval) {
	of := ap.Request.TimedOf
	if of == "" {
		of = ap.Request.ReleaseOf
	}
	if of == "" || ap.State != commands.ApprovalDone {
		return
	}
	timed, err := a.flow.Get(ctx, of)
	if err != nil {
		a.log.Warn("card of the time-boxed containment not redrawn", "request", of, "by", ap.ID, "err", err)
		return
	}
	a.show(ctx, timed)
	a.tell(ctx, timed, render.Mention(ap.Requester)+" changed this containment (request "+ap.ID+"): "+commands.EscapeMrkdwn(ap.Result)+".")
}
