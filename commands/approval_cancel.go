package commands

import (
	"context"
	"strings"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
)

// DefaultCancelReason is the reason of a cancel asked from the approval card without one.
const DefaultCancelReason = "cancelled from the approval card in Slack"

// CancelTarget returns the Defender action that the Cancel button on the card of request id (at
// from) stops, or the refusal to show when there is none. It decides nothing about the person who
// clicked: the button asks `cancel <action id> <reason>` as that person, so the role check, the
// approval policy (with the protected-device rules of the action's device) and the audit are the
// command's.
func (a *Approvals) CancelTarget(ctx context.Context, id string, from CardRef) (actionID, refusal string) {
	ap, refusal := a.load(ctx, id, from)
	if refusal != "" {
		return "", refusal
	}
	if !ap.Followed() {
		return "", notCancellable(ap)
	}
	return ap.ActionID, ""
}

// requestOf finds the request that made machine action act, from the request id mdebot writes at
// the start of every action's comment (commentTag); "" when mdebot did not make it or the request
// is gone.
func (a *Approvals) requestOf(ctx context.Context, act defender.MachineAction) string {
	rest, ok := strings.CutPrefix(act.RequestorComment, "mdebot ")
	if !ok {
		return ""
	}
	id, _, ok := strings.Cut(rest, ":")
	if !ok || !IsRequestID(id) {
		return ""
	}
	ap, err := a.Get(ctx, id)
	if err != nil || !strings.EqualFold(ap.ActionID, act.ID) {
		return ""
	}
	return ap.ID
}

// noteCancel records on the request whose action the cancel request ap stopped who stopped it and
// why, and the status Defender now gives the action, so that its card shows the cancel as soon as
// it is redrawn (bot redraws it after Execute; the request is no longer followed once final).
func (a *Approvals) noteCancel(ctx context.Context, ap Approval, act defender.MachineAction) {
	of := ap.Request.CancelOf
	if of == "" {
		return
	}
	ctx = context.WithoutCancel(ctx)
	now := a.now()
	why := Truncate(ap.Request.Reason, 250) + " (request " + ap.ID + ")"
	if _, err := a.st.ClaimCancel(ctx, of, ap.Requester, why, now); err != nil {
		a.log.Error("record who cancelled", "request", of, "cancel", ap.ID, "err", err)
	}
	status := act.Status
	if status == "" {
		status = defender.ActionCancelled
	}
	tr, err := a.st.SetActionStatus(ctx, of, string(status), now)
	if err != nil {
		a.log.Error("record cancelled status", "request", of, "cancel", ap.ID, "err", err)
		return
	}
	after, err := fromStore(tr.Approval)
	if err == nil && tr.Outcome == store.OutcomeChanged && defender.ActionStatus(after.ActionStatus).Final() {
		a.record(ctx, after, strings.ToLower(after.ActionStatus), botActor, after.ActionID, "Defender: "+after.ActionStatus+", by request "+ap.ID)
	}
}

func notCancellable(ap Approval) string {
	if ap.ActionStatus != "" && defender.ActionStatus(ap.ActionStatus).Final() {
		return "The Defender action is already " + ap.ActionStatus + "; it can no longer be cancelled."
	}
	return "This request has no Defender action that can be cancelled."
}
