package approvals

import (
	"context"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/mdebot/mdebot/bot/interact"
	"github.com/mdebot/mdebot/bot/render"
	"github.com/mdebot/mdebot/commands"
	"github.com/slack-go/slack"
)

// Modal callback ids and the reason input of the Deny and Cancel modals.
const (
	viewDeny     = "mde_deny_reason"
	viewCancel   = "mde_cancel_reason"
	blockReason  = "reason"
	actionReason = "reason"
	maxReasonLen = 500
)

// modalMeta is the private_metadata of the modals: the request and the card the click came from.
// Nothing in it is trusted for authorization; commands checks the request and the clicker again.
type modalMeta struct {
	ID      string `json:"id"`
	Channel string `json:"c"`
	TS      string `json:"ts"`
}

// cardOf is the message a click came from.
func cardOf(cb slack.InteractionCallback) commands.CardRef {
	ts := cb.Container.MessageTs
	if ts == "" {
		ts = cb.Message.Timestamp
	}
	return commands.CardRef{Channel: interact.ChannelOf(cb), TS: ts}
}

// onApprove handles Approve: one vote, then the run when it completed the quorum.
func (a *Cards) onApprove(ctx context.Context, cb slack.InteractionCallback, act slack.BlockAction) {
	o := a.flow.Decide(ctx, act.Value, cb.User.ID, commands.Approve, "", cardOf(cb))
	if o.Refusal != "" {
		a.answer(ctx, cb, o.Refusal)
	}
	if o.Run {
		// Run first: the card is redrawn once, with the Defender action. When another caller
		// runs it, that caller redraws the card.
		if ex := a.flow.Execute(ctx, o.Approval.ID); ex.Changed {
			a.show(ctx, ex.Approval)
			a.tell(ctx, ex.Approval, "Approved by "+strings.Join(mentions(ex.Approval.Voters()), ", ")+". "+resultLine(ex.Approval))
			a.ran(ctx, ex.Approval)
		}
	} else if o.Changed {
		a.show(ctx, o.Approval)
	}
	if o.Changed && o.Approval.State == commands.ApprovalExpired {
		a.tell(ctx, o.Approval, "Your request expired without enough approvals; it will never run.")
	}
	if o.Note != "" && !o.Run {
		a.answer(ctx, cb, o.Note)
	}
}

// denyModal is the modal a click on Deny opens: it asks for the reason. The runtime opens it at
// once (the trigger_id lasts 3 seconds); nothing is decided until it is submitted.
func denyModal(cb slack.InteractionCallback, act slack.BlockAction) (interact.Modal, bool) {
	return reasonModal(cb, act, viewDeny, "Deny request", "Deny", "Why is it denied? The requester sees this.", false), true
}

// cancelModal is the modal a click on Cancel opens: why the Defender action should be cancelled
// (optional).
func cancelModal(cb slack.InteractionCallback, act slack.BlockAction) (interact.Modal, bool) {
	return reasonModal(cb, act, viewCancel, "Cancel action", "Cancel action", "Why cancel it? (optional)", true), true
}

func reasonModal(cb slack.InteractionCallback, act slack.BlockAction, callback, title, submit, label string, optional bool) interact.Modal {
	card := cardOf(cb)
	meta, _ := json.Marshal(modalMeta{ID: act.Value, Channel: card.Channel, TS: card.TS})
	input := slack.NewPlainTextInputBlockElement(slack.NewTextBlockObject(slack.PlainTextType, "reason", false, false), actionReason)
	input.Multiline, input.MaxLength = true, maxReasonLen
	block := slack.NewInputBlock(blockReason, slack.NewTextBlockObject(slack.PlainTextType, label, false, false), nil, input)
	block.Optional = optional
	return interact.Modal{
		View: slack.ModalViewRequest{
			Type:            slack.VTModal,
			CallbackID:      callback,
			Title:           slack.NewTextBlockObject(slack.PlainTextType, title, false, false),
			Submit:          slack.NewTextBlockObject(slack.PlainTextType, submit, false, false),
			Close:           slack.NewTextBlockObject(slack.PlainTextType, "Back", false, false),
			PrivateMetadata: string(meta),
			Blocks:          slack.Blocks{BlockSet: []slack.Block{block}},
		},
		IfNotOpened: "The form could not be opened (Slack gives a button 3 seconds to open one). Click the button again.",
	}
}

// validateDeny checks the Deny modal in the event loop: a reason is required.
func validateDeny(cb slack.InteractionCallback) map[string]string {
	reason := reasonOf(cb)
	switch {
	case strings.TrimSpace(reason) == "":
		return map[string]string{blockReason: "Say why it is denied."}
	case utf8.RuneCountInString(reason) > maxReasonLen:
		return map[string]string{blockReason: "At most 500 characters."}
	}
	return nil
}

// validateCancel checks the Cancel modal: the reason is optional but bounded.
func validateCancel(cb slack.InteractionCallback) map[string]string {
	if utf8.RuneCountInString(reasonOf(cb)) > maxReasonLen {
		return map[string]string{blockReason: "At most 500 characters."}
	}
	return nil
}

// reasonOf is the reason typed in a modal. A submission without state (Slack always sends one,
// but nothing in a payload is taken on trust) has none.
func reasonOf(cb slack.InteractionCallback) string {
	if cb.View.State == nil {
		return ""
	}
	if v, ok := cb.View.State.Values[blockReason][actionReason]; ok {
		return strings.TrimSpace(v.Value)
	}
	return ""
}

func metaOf(cb slack.InteractionCallback) modalMeta {
	var m modalMeta
	_ = json.Unmarshal([]byte(cb.View.PrivateMetadata), &m)
	return m
}

// onDenySubmit denies the request with the modal's reason.
func (a *Cards) onDenySubmit(ctx context.Context, cb slack.InteractionCallback) {
	m := metaOf(cb)
	o := a.flow.Decide(ctx, m.ID, cb.User.ID, commands.Deny, reasonOf(cb), commands.CardRef{Channel: m.Channel, TS: m.TS})
	a.after(ctx, cb.User.ID, m.Channel, o)
	if o.Changed && o.Approval.State == commands.ApprovalDenied {
		a.tell(ctx, o.Approval, "Your request was denied by "+render.Mention(cb.User.ID)+": "+commands.EscapeMrkdwn(o.Approval.Reason))
	}
}

// onCancelSubmit asks to cancel the Defender action of the card's request by running
// `cancel <action id> <reason>` as the person who submitted the modal: the router checks their
// role now, and the approval policy for cancel (raised by the protected-device rules of the
// action's device) decides as for the typed command: "never" is refused, a number makes a request
// with its own card, 0 cancels at once; every step is audited. Answers go to the person as
// ephemeral messages in the card's channel (a modal has no response_url).
func (a *Cards) onCancelSubmit(ctx context.Context, cb slack.InteractionCallback) {
	m := metaOf(cb)
	action, refusal := a.flow.CancelTarget(ctx, m.ID, commands.CardRef{Channel: m.Channel, TS: m.TS})
	if refusal != "" {
		a.after(ctx, cb.User.ID, m.Channel, commands.Outcome{Refusal: refusal})
		return
	}
	reason := strings.Join(strings.Fields(reasonOf(cb)), " ")
	if reason == "" {
		reason = commands.DefaultCancelReason
	}
	// Structured arguments, never rebuilt command text: no reason can add an option.
	a.host.RunArgs(ctx, interact.Reply{UserID: cb.User.ID, ChannelID: m.Channel}, "cancel", action, reason)
}

// after shows a modal's outcome: the card, and the refusal or note to the person (a modal has
// no response_url, so that is an ephemeral message in the card's channel).
func (a *Cards) after(ctx context.Context, user, channel string, o commands.Outcome) {
	if o.Changed {
		a.show(ctx, o.Approval)
	}
	text := o.Refusal
	if text == "" {
		text = o.Note
	}
	if text == "" || channel == "" {
		return
	}
	msg := render.Mrkdwn(commands.EscapeMrkdwn(text))
	if _, err := a.api.PostEphemeralContext(ctx, channel, user, slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks...)); err != nil {
		a.log.Warn("answer not posted", "user", user, "err", err)
	}
}

// answer tells the person who clicked, privately, through the click's response_url.
func (a *Cards) answer(ctx context.Context, cb slack.InteractionCallback, text string) {
	to := interact.ReplyTo(cb)
	to.Ref = commands.NewRef()
	a.host.Respond(ctx, to, render.Mrkdwn(commands.EscapeMrkdwn(text)), false)
}

func mentions(users []string) []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = render.Mention(u)
	}
	return out
}
