// Package approvals is the Slack side of the four-eyes workflow: the request cards in the
// approval channel, the Approve, Deny and Cancel buttons and their reason modals, the sweeper
// that expires requests and follows Defender actions to their end, the audit channel mirror,
// and the Slack user directory the workflow reads e-mail addresses from. commands.Approvals
// decides everything; this package only shows it and passes clicks on. It must not decide
// whether a request may run, build Block Kit itself (bot/render does) or import the socket
// runtime.
package approvals

import (
	"context"
	"log/slog"
	"time"

	"github.com/mdebot/mdebot/bot/interact"
	"github.com/mdebot/mdebot/bot/render"
	"github.com/mdebot/mdebot/commands"
	"github.com/slack-go/slack"
)

// cardAPI is the Web API the approval cards use (a *slack.Client).
type cardAPI interface {
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	UpdateMessageContext(ctx context.Context, channelID, timestamp string, options ...slack.MsgOption) (string, string, string, error)
	GetPermalinkContext(ctx context.Context, params *slack.PermalinkParameters) (string, error)
	PostEphemeralContext(ctx context.Context, channelID, userID string, options ...slack.MsgOption) (string, error)
	OpenConversationContext(ctx context.Context, params *slack.OpenConversationParameters) (*slack.Channel, bool, bool, error)
}

// Options configure the approval cards.
type Options struct {
	// Channel is MDEBOT_APPROVAL_CHANNEL, where the cards go.
	Channel string
	// Now is the clock of the cards' relative times; default time.Now.
	Now func() time.Time
	// Log gets what went wrong; default none.
	Log *slog.Logger
}

// Cards is the Slack side of the four-eyes workflow: it posts request cards to the approval
// channel, handles the Approve, Deny and Cancel buttons and their modals, redraws the card at
// every change, tells the requester in the card's thread, and sweeps (expiry, stopped
// executions, the Defender actions followed to their end). commands.Cards decides
// everything; this only shows it.
type Cards struct {
	host    host
	api     cardAPI
	flow    *commands.Approvals
	channel string
	now     func() time.Time
	log     *slog.Logger
}

// host is the socket-mode runtime (*socket.Bot), which also hands over the answers that ask for
// an approval.
type host interface {
	interact.Host
	HandleApproval(h interact.ApprovalHandler)
}

// New wires the approval cards into the runtime h: it registers the button and modal
// handlers and makes h post the card of every new request. Call it before h runs.
func New(h host, api cardAPI, flow *commands.Approvals, opts Options) *Cards {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	a := &Cards{host: h, api: api, flow: flow, channel: opts.Channel, now: opts.Now, log: opts.Log.With("component", "approvals")}
	h.HandleApproval(a.requested)
	h.HandleButton(render.ActionApprove, a.onApprove)
	h.HandleModal(render.ActionDeny, denyModal)
	h.HandleModal(render.ActionCancel, cancelModal)
	h.HandleButton(render.ActionExtend, a.onExtend)
	h.HandleButton(render.ActionReleaseNow, a.onReleaseNow)
	h.HandleView(viewDeny, interact.ViewHandler{Validate: validateDeny, Run: a.onDenySubmit, ErrorBlock: blockReason})
	h.HandleView(viewCancel, interact.ViewHandler{Validate: validateCancel, Run: a.onCancelSubmit, ErrorBlock: blockReason})
	return a
}

// requested posts the card of a new request, answers the requester with a link to it, and runs
// the request at once when it needs no approval.
func (a *Cards) requested(ctx context.Context, to interact.Reply, resp commands.Response) {
	ap := resp.Approval.Approval
	msg := render.ApprovalCard(*resp.Approval, a.now())
	ch, ts, err := a.api.PostMessageContext(ctx, a.channel, slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks...))
	if err != nil {
		a.log.Error("approval card not posted", "request", ap.ID, "channel", a.channel, "err", err)
		text := "Your request " + ap.ID + " could not be posted to the approval channel (is mdebot a member of it?), so it was withdrawn and nothing was done."
		if ap.State == commands.ApprovalApproved {
			o := a.flow.Execute(ctx, ap.ID)
			text = "Request " + ap.ID + ": the card could not be posted to the approval channel. " + resultLine(o.Approval)
			if o.Changed {
				a.ran(ctx, o.Approval)
			}
		} else {
			a.flow.Abandon(ctx, ap.ID, "the approval card could not be posted")
		}
		a.host.Respond(ctx, to, render.Mrkdwn(text), false)
		return
	}
	if err := a.flow.SetCard(ctx, ap.ID, ch, ts); err != nil && ap.State == commands.ApprovalPending {
		// A card whose place is not recorded refuses every click (each is bound to its card),
		// so the request could never be decided: withdraw it, and say so on the card.
		a.log.Error("card location not recorded: request withdrawn", "request", ap.ID, "err", err)
		a.flow.Abandon(ctx, ap.ID, "the approval card could not be recorded")
		gone := render.Mrkdwn("Request " + ap.ID + " was withdrawn: mdebot could not record this card, so its buttons could not be checked. Nothing was done; ask again.")
		if _, _, _, err := a.api.UpdateMessageContext(ctx, ch, ts, slack.MsgOptionText(gone.Text, false), slack.MsgOptionBlocks(gone.Blocks...)); err != nil {
			a.log.Warn("withdrawn card not updated", "request", ap.ID, "err", err)
		}
		a.host.Respond(ctx, to, render.Mrkdwn("Your request "+ap.ID+" could not be recorded with its card, so it was withdrawn and nothing was done. Try again in a minute."), false)
		return
	} else if err != nil {
		a.log.Error("card location not recorded", "request", ap.ID, "err", err)
	}
	ap.CardChannel, ap.CardTS = ch, ts
	link := "in the approval channel"
	if p, err := a.api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: ch, Ts: ts}); err == nil && p != "" {
		link = "<" + p + "|in the approval channel>"
	}
	text := commands.EscapeMrkdwn(resp.Text) + " The card is " + link + "."
	a.host.Respond(ctx, to, render.Mrkdwn(text), false)
	if ap.State == commands.ApprovalApproved {
		a.run(ctx, ap)
	}
}

// run executes an approved request and shows the outcome on its card and in its thread.
func (a *Cards) run(ctx context.Context, ap commands.Approval) {
	o := a.flow.Execute(ctx, ap.ID)
	if !o.Changed {
		return
	}
	a.show(ctx, o.Approval)
	a.tell(ctx, o.Approval, resultLine(o.Approval))
	a.ran(ctx, o.Approval)
}

// ran shows what running ap changed beyond its own card: a cancel of an action mdebot made
// redraws the card of the request that made it and tells that request's requester.
func (a *Cards) ran(ctx context.Context, ap commands.Approval) {
	a.ranTimed(ctx, ap)
	if ap.Request.Verb != "cancel" || ap.Request.CancelOf == "" || ap.State != commands.ApprovalDone {
		return
	}
	of, err := a.flow.Get(ctx, ap.Request.CancelOf)
	if err != nil {
		a.log.Warn("card of the cancelled action not redrawn", "request", ap.Request.CancelOf, "cancel", ap.ID, "err", err)
		return
	}
	a.show(ctx, of)
	a.tell(ctx, of, "The Defender action was cancelled by "+render.Mention(ap.Requester)+" (request "+ap.ID+"): "+commands.EscapeMrkdwn(ap.Request.Reason))
}

// show redraws a request's card, from the request as Redis has it now, so that a replica that
// was slower than another does not draw an older state over a newer one.
func (a *Cards) show(ctx context.Context, ap commands.Approval) {
	if fresh, err := a.flow.Get(ctx, ap.ID); err == nil {
		ap = fresh
	}
	if ap.CardTS == "" {
		return
	}
	msg := render.Revise(render.ApprovalCard(a.flow.View(ap), a.now()), render.NewRevision())
	_, _, _, err := a.api.UpdateMessageContext(ctx, ap.CardChannel, ap.CardTS, slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks...))
	if err != nil {
		a.log.Warn("approval card not updated", "request", ap.ID, "err", err)
	}
}

// tell replies in the card's thread, to the requester.
func (a *Cards) tell(ctx context.Context, ap commands.Approval, text string) {
	if ap.CardTS == "" || text == "" {
		return
	}
	who := render.Mention(ap.Requester)
	_, _, err := a.api.PostMessageContext(ctx, ap.CardChannel, slack.MsgOptionTS(ap.CardTS),
		slack.MsgOptionText(who+" "+text, false))
	if err != nil {
		a.log.Warn("thread reply not posted", "request", ap.ID, "err", err)
	}
}

// resultLine says in escaped mrkdwn what running a request gave.
func resultLine(ap commands.Approval) string {
	switch ap.State {
	case commands.ApprovalDone:
		return "Done: " + commands.EscapeMrkdwn(ap.Result) + "."
	case commands.ApprovalFailed:
		return "It did not work: " + commands.EscapeMrkdwn(ap.Result)
	}
	return ""
}
