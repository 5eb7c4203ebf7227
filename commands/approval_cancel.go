package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
)

// DefaultCancelReason is the reason of a cancel given without one.
const DefaultCancelReason = "cancelled from the approval card in Slack"

// CancelAction cancels the live MDE action of request id, for clicker (a responder or an
// approver, checked now) from the card at from. Two clicks cancel once: the cancel is claimed in
// Redis before MDE is called, and given back if MDE refuses.
func (a *Approvals) CancelAction(ctx context.Context, id, clicker, reason string, from CardRef) Outcome {
	ap, refusal := a.load(ctx, id, from)
	if refusal != "" {
		return Outcome{Refusal: refusal}
	}
	ok, err := a.canCancel(ctx, clicker)
	if err != nil {
		a.log.Error("role check failed at click time", "request", id, "user", clicker, "err", err)
		return Outcome{Approval: ap, Refusal: msgRolesDown}
	}
	if !ok {
		a.record(ctx, ap, "refused", clicker, ap.ActionID, "cancel by someone who is neither a responder nor an approver")
		return Outcome{Approval: ap, Refusal: "Only responders and approvers can cancel an action, and you are neither (checked just now). Nothing was done."}
	}
	if !ap.Followed() {
		return Outcome{Approval: ap, Refusal: notCancellable(ap)}
	}
	if strings.TrimSpace(reason) == "" {
		reason = DefaultCancelReason
	}
	tr, err := a.st.ClaimCancel(ctx, id, clicker, reason, a.now())
	if err != nil {
		return Outcome{Approval: ap, Refusal: a.storeFailure("cancel", id, err)}
	}
	switch tr.Outcome {
	case store.OutcomeChanged:
	case store.OutcomeAgain:
		return Outcome{Approval: ap, Refusal: "Cancelling this action was already asked" + byWhom(tr.Approval.CancelBy) + "."}
	default:
		after, _ := fromStore(tr.Approval)
		return Outcome{Approval: after, Refusal: notCancellable(after)}
	}
	comment := fmt.Sprintf("mdebot %s: cancel requested by %s (reason: %s)", id, clicker, strings.Join(strings.Fields(Truncate(reason, 300)), " "))
	act, err := a.mde.CancelAction(ctx, ap.ActionID, comment)
	if err != nil {
		if _, rerr := a.st.ReleaseCancel(context.WithoutCancel(ctx), id, clicker); rerr != nil {
			a.log.Error("release cancel claim", "request", id, "err", rerr)
		}
		a.log.Warn("cancel refused by MDE", "request", id, "action", ap.ActionID, "err", err)
		return Outcome{Approval: ap, Refusal: "Defender did not cancel the action: " + ErrorMessage(err, id)}
	}
	status := act.Status
	if status == "" {
		status = defender.ActionCancelled
	}
	str, err := a.st.SetActionStatus(context.WithoutCancel(ctx), id, string(status), a.now())
	if err != nil {
		a.log.Error("record cancelled status", "request", id, "err", err)
	}
	after, _ := fromStore(str.Approval)
	if after.ID == "" {
		after = ap
	}
	a.record(ctx, after, "cancel", clicker, ap.ActionID, reason)
	if str.Outcome == store.OutcomeChanged && defender.ActionStatus(after.ActionStatus).Final() {
		a.record(ctx, after, strings.ToLower(after.ActionStatus), botActor, after.ActionID, "Defender: "+after.ActionStatus)
	}
	return Outcome{Approval: after, Changed: true, Note: "Defender action " + ap.ActionID + " is " + string(status) + "."}
}

func (a *Approvals) canCancel(ctx context.Context, user string) (bool, error) {
	ok, err := a.authz.Has(ctx, user, Responder)
	if err != nil || ok {
		return ok, err
	}
	return a.authz.Has(ctx, user, Approver)
}

func notCancellable(ap Approval) string {
	if ap.ActionStatus != "" && defender.ActionStatus(ap.ActionStatus).Final() {
		return "The Defender action is already " + ap.ActionStatus + "; it can no longer be cancelled."
	}
	return "This request has no Defender action that can be cancelled."
}
