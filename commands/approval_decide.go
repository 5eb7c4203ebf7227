package commands

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mdebot/mdebot/store"
)

// Decision is what a click asks for.
type Decision int

// Decisions.
const (
	Approve Decision = iota + 1
	Deny
)

// CardRef is the message a click came from. A click is accepted only on the request's own card,
// so a button value carrying another request's id is refused.
type CardRef struct {
	Channel, TS string
}

// Outcome is what a click, an execution or a sweep did to a request, for bot to show.
type Outcome struct {
	// Approval is the request as it is now (zero when it could not be read).
	Approval Approval
	// Changed says the card must be redrawn.
	Changed bool
	// Refusal, when set, is the answer to the person who clicked: nothing they asked was done.
	Refusal string
	// Note is the answer to the person who clicked when it worked.
	Note string
	// Run says this click completed the quorum: run the request now.
	Run bool
}

// Failure messages shown to people; none of them says more than the person may know.
const (
	msgUnknownRequest = "This button does not belong to a request mdebot knows (it may be older than 7 days). Nothing was done."
	msgWrongCard      = "This button does not belong to the request on this card. Nothing was done."
	msgNoCard         = "This click does not come from a request card, so mdebot cannot tell which request it is for. Nothing was done."
	msgCardPending    = "This request's card is not recorded yet, so the click cannot be checked against it. Nothing was done; try again in a moment."
	msgStoreDown      = "mdebot cannot reach its state store (Redis) right now, so it cannot check or record this. Nothing was done and the request is unchanged; try again in a minute."
	msgRolesDown      = "Your permissions could not be checked right now (Slack did not answer), so nothing was done. The request is unchanged; try again in a minute."
)

// Decide applies one click (Approve or Deny, with reason for Deny) by clicker on the request id
// carried by a button, from the card at from. The clicker's role is checked now, not when the
// card was posted; the requester never approves their own request; the transition is atomic in
// Redis, so concurrent clicks on any replica have one winner; an expired or decided request
// never changes. When Redis cannot be reached it refuses and changes nothing (fail closed).
func (a *Approvals) Decide(ctx context.Context, id, clicker string, d Decision, reason string, from CardRef) Outcome {
	ap, refusal := a.load(ctx, id, from)
	if refusal != "" {
		return Outcome{Refusal: refusal}
	}
	isApprover, err := a.authz.HasNow(ctx, clicker, Approver)
	if err != nil {
		a.log.Error("role check failed at click time", "request", id, "user", clicker, "err", err)
		return Outcome{Approval: ap, Refusal: msgRolesDown}
	}
	if !isApprover && (d == Approve || clicker != ap.Requester) {
		a.record(ctx, ap, "refused", clicker, "", "not an approver")
		return Outcome{Approval: ap, Refusal: "Only approvers can approve or deny requests, and you are not one (checked just now). Nothing was done."}
	}
	now := a.now()
	var tr store.Transition
	if d == Approve {
		tr, err = a.st.VoteApproval(ctx, id, clicker, now)
	} else {
		tr, err = a.st.DenyApproval(ctx, id, clicker, reason, now)
	}
	if err != nil {
		return Outcome{Approval: ap, Refusal: a.storeFailure("decide", id, err)}
	}
	after, err := fromStore(tr.Approval)
	if err != nil {
		a.log.Error("decode request", "request", id, "err", err)
		return Outcome{Approval: ap, Refusal: msgUnknownRequest}
	}
	return a.decided(ctx, after, tr.Outcome, clicker, reason)
}

// decided turns a transition's outcome into what the clicker and the card see.
func (a *Approvals) decided(ctx context.Context, ap Approval, o store.Outcome, clicker, reason string) Outcome {
	out := Outcome{Approval: ap}
	switch o {
	case store.OutcomeApproved:
		a.record(ctx, ap, "approved", clicker, "", fmt.Sprintf("%d of %d approvals: quorum reached", len(ap.Votes), ap.Required))
		out.Changed, out.Run = true, true
		out.Note = "You approved " + ap.ID + "; it runs now."
	case store.OutcomeCounted:
		a.record(ctx, ap, "approved", clicker, "", fmt.Sprintf("%d of %d approvals", len(ap.Votes), ap.Required))
		out.Changed = true
		out.Note = fmt.Sprintf("Your approval of %s counts: %d of %d; still needed: %d.", ap.ID, len(ap.Votes), ap.Required, ap.Required-len(ap.Votes))
	case store.OutcomeChanged: // denied
		a.record(ctx, ap, "denied", clicker, "", reason)
		out.Changed = true
		out.Note = "You denied " + ap.ID + ". It will not run."
	case store.OutcomeExpired:
		a.record(ctx, ap, "expired", botActor, "", "expired when a late click arrived")
		out.Changed = true
		out.Refusal = "This request expired at " + stamp(ap.Expires) + " without a decision, so it will never run. Ask for it again if it is still needed."
	case store.OutcomeOwn:
		a.record(ctx, ap, "refused", clicker, "", "self-approval")
		out.Refusal = "You asked for this, so you cannot approve it: another approver must (four-eyes). Nothing was done."
	case store.OutcomeAgain:
		out.Refusal = fmt.Sprintf("You already approved %s. It needs %d more approval(s) from other approvers.", ap.ID, ap.Required-len(ap.Votes))
	default:
		out.Refusal = closedMessage(ap)
	}
	return out
}

// load reads the request a button names and checks the button is on its card.
func (a *Approvals) load(ctx context.Context, id string, from CardRef) (Approval, string) {
	if !IsRequestID(id) {
		return Approval{}, msgUnknownRequest
	}
	s, err := a.st.Approval(ctx, id)
	if err != nil {
		return Approval{}, a.storeFailure("load", id, err)
	}
	ap, err := fromStore(s)
	if err != nil {
		a.log.Error("decode request", "request", id, "err", err)
		return Approval{}, msgUnknownRequest
	}
	// Every click is bound to its card: one that names no message, or that comes before the
	// card's place is recorded, cannot be checked against it and is refused.
	if from.TS == "" || from.Channel == "" {
		a.log.Warn("click without a message", "request", id)
		return Approval{}, msgNoCard
	}
	if ap.CardTS == "" {
		a.log.Warn("click before the card was recorded", "request", id, "channel", from.Channel, "ts", from.TS)
		return Approval{}, msgCardPending
	}
	if from.TS != ap.CardTS || from.Channel != ap.CardChannel {
		a.log.Warn("button from another message", "request", id, "channel", from.Channel, "ts", from.TS)
		return Approval{}, msgWrongCard
	}
	return ap, ""
}

// storeFailure maps a store error to what the clicker reads, and logs it.
func (a *Approvals) storeFailure(op, id string, err error) string {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return msgUnknownRequest
	case store.IsUnavailable(err):
		a.log.Warn("store unavailable: click refused", "op", op, "request", id, "err", err)
		return msgStoreDown
	}
	a.log.Error("store failed", "op", op, "request", id, "err", err)
	return msgStoreDown
}

// closedMessage explains why a decided request cannot be decided again.
func closedMessage(ap Approval) string {
	switch ap.State {
	case ApprovalDenied:
		return "This request was already denied" + byWhom(ap.DecidedBy) + ". Nothing was done."
	case ApprovalExpired:
		return "This request expired at " + stamp(ap.Expires) + " and will never run. Nothing was done."
	case ApprovalApproved, ApprovalExecuting, ApprovalDone:
		return "This request was already approved; nothing more is needed."
	case ApprovalFailed:
		return "This request was already approved and has run (it failed). Nothing more was done."
	}
	return "This request is " + string(ap.State) + ". Nothing was done."
}

func byWhom(user string) string {
	if user == "" {
		return ""
	}
	return " by " + user
}

// stamp writes a time for messages: 2026-11-20 10:30 UTC.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }
