package commands

import (
	"context"
	"errors"
	"fmt"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
)

// Execute runs an approved request, exactly once whoever calls it and however often: it claims
// the execution in Redis first (with a lease it renews while it works, so that another replica
// takes over within seconds if this one dies), then calls MDE with the request id, the
// requester, the approvers and the reason in the comment (and the id as externalID where the
// endpoint has one), then records the outcome. An action MDE already had pending is recorded as
// such and followed; nothing is sent twice. Outcome.Changed is false when another caller runs it.
func (a *Approvals) Execute(ctx context.Context, id string) Outcome {
	tr, err := a.st.ClaimExecution(ctx, id, a.owner, a.now())
	if err != nil {
		a.log.Error("claim execution", "request", id, "err", err)
		return Outcome{}
	}
	ap, err := fromStore(tr.Approval)
	if err != nil || tr.Outcome != store.OutcomeChanged {
		return Outcome{Approval: ap}
	}
	a.record(ctx, ap, "executing", botActor, "", a.comment(ctx, ap))
	return a.runHeld(ctx, ap, false)
}

// runHeld runs ap under its execution lease: it looks for what an earlier owner sent first when
// lookFirst is set, sends the request only when MDE has nothing from it, and records the outcome.
// When the lease is lost (this replica was cut off long enough for another to take over) or the
// replica stops, an unfinished call is left to the replica that takes over, never recorded as a
// failure.
func (a *Approvals) runHeld(ctx context.Context, ap Approval, lookFirst bool) Outcome {
	wctx, stop := a.holdLease(ctx, ap.ID)
	defer stop()
	if lookFirst {
		e, found, err := a.findResult(wctx, ap)
		if err != nil {
			// The lease runs out and the next sweep (on any replica) looks again.
			a.log.Warn("takeover: Defender look-up failed; trying again", "request", ap.ID, "err", err)
			return Outcome{Approval: ap}
		}
		if found {
			stop()
			return a.finish(ctx, ap, e)
		}
	}
	mctx, cancel := context.WithTimeout(wctx, execTimeout)
	e := a.run(mctx, ap)
	cancel()
	lost := wctx.Err() != nil
	stop()
	if ctx.Err() != nil || (lost && e.State == store.ApprovalFailed) {
		// Stopped mid-call: whether MDE got it is unknown, so the request stays executing and the
		// replica that takes it over settles it from what MDE has; it is never sent blindly again.
		a.log.Warn("stopped while running a request; another replica takes it over", "request", ap.ID)
		return Outcome{Approval: ap}
	}
	return a.finish(ctx, ap, e)
}

// finish records the outcome of ap's execution and audits it.
func (a *Approvals) finish(ctx context.Context, ap Approval, e store.Execution) Outcome {
	e.At, e.ContainFor = a.now(), ap.Request.containFor()
	tr, err := a.st.FinishExecution(context.WithoutCancel(ctx), ap.ID, a.owner, e)
	if err != nil {
		// The outcome is lost for now; the sweeper recovers it from MDE (by the request id in the
		// action's comment) once the execution is stale.
		a.log.Error("execution outcome not recorded", "request", ap.ID, "action", e.ActionID, "err", err)
		ap.State, ap.ActionID, ap.ActionStatus, ap.Result = ApprovalState(e.State), e.ActionID, e.ActionStatus, e.Result
		return Outcome{Approval: ap, Changed: true}
	}
	after, err := fromStore(tr.Approval)
	if err != nil || tr.Outcome != store.OutcomeChanged {
		return Outcome{Approval: after}
	}
	a.auditExecution(ctx, after)
	a.releasedEarly(ctx, after)
	return Outcome{Approval: after, Changed: true}
}

func (a *Approvals) auditExecution(ctx context.Context, ap Approval) {
	switch {
	case ap.State == ApprovalFailed:
		a.record(ctx, ap, "failed", botActor, ap.ActionID, ap.Result)
	case ap.AlreadyPending:
		a.record(ctx, ap, "already pending", botActor, ap.ActionID, "Defender already had this action pending; nothing new was sent")
	default:
		a.record(ctx, ap, "executed", botActor, ap.ActionID, ap.Result)
	}
}

// run makes the MDE call of ap.
func (a *Approvals) run(ctx context.Context, ap Approval) store.Execution {
	r, comment := ap.Request, a.comment(ctx, ap)
	var res defender.ActionResult
	var err error
	switch r.Verb {
	case "isolate":
		res, err = a.mde.Isolate(ctx, r.MachineID, comment, defender.IsolationType(r.Option))
	case "release":
		res, err = a.mde.Unisolate(ctx, r.MachineID, comment)
	case "restrict":
		res, err = a.mde.RestrictCodeExecution(ctx, r.MachineID, comment)
	case "unrestrict":
		res, err = a.mde.UnrestrictCodeExecution(ctx, r.MachineID, comment)
	case "scan":
		res, err = a.mde.RunAntivirusScan(ctx, r.MachineID, comment, defender.ScanType(r.Option))
	case "collect":
		res, err = a.mde.CollectInvestigationPackage(ctx, r.MachineID, comment)
	case "quarantine":
		res, err = a.mde.StopAndQuarantineFile(ctx, r.MachineID, r.SHA1, comment)
	default:
		return a.runOther(ctx, ap, comment)
	}
	if err != nil {
		return failed(err, ap.ID)
	}
	return store.Execution{State: store.ApprovalDone, ActionID: res.Action.ID, ActionStatus: string(res.Action.Status),
		AlreadyPending: res.AlreadyPending, Result: actionResult(res)}
}

// runOther makes the calls that create no machine action: indicators, cancels, alert updates.
// Their status is final at once.
func (a *Approvals) runOther(ctx context.Context, ap Approval, comment string) store.Execution {
	r := ap.Request
	if e, ok := a.runContainment(ctx, ap, comment); ok {
		return e
	}
	done := func(id, result string) store.Execution {
		return store.Execution{State: store.ApprovalDone, ActionID: id, ActionStatus: string(defender.ActionSucceeded), Result: result}
	}
	switch r.Verb {
	case "block":
		in := defender.IndicatorInput{IndicatorValue: r.Indicator, IndicatorType: r.IndicatorType, Action: defender.IndicatorBlock,
			Title: Truncate("Blocked via mdebot "+ap.ID, 200), Description: Truncate(comment, 1000), ExternalID: ap.ID,
			Severity: "High", GenerateAlert: true}
		if !r.IndicatorExpires.IsZero() {
			in.ExpirationTime = &defender.Timestamp{Time: r.IndicatorExpires.UTC()}
		}
		ind, err := a.mde.SubmitIndicator(ctx, in)
		if err != nil {
			return failed(err, ap.ID)
		}
		return done(string(ind.ID), "indicator "+string(ind.ID)+" blocks "+r.Indicator)
	case "unblock":
		err := a.mde.DeleteIndicator(ctx, r.IndicatorID)
		if errors.Is(err, defender.ErrNotFound) {
			return done(r.IndicatorID, "indicator "+r.IndicatorID+" was already gone")
		}
		if err != nil {
			return failed(err, ap.ID)
		}
		return done(r.IndicatorID, "indicator "+r.IndicatorID+" removed")
	case "cancel":
		if r.Action == nil {
			break
		}
		act, err := a.mde.CancelAction(ctx, r.Action.ID, comment)
		if err != nil {
			return failed(err, ap.ID)
		}
		a.noteCancel(ctx, ap, act)
		return store.Execution{State: store.ApprovalDone, ActionID: act.ID, ActionStatus: string(defender.ActionSucceeded),
			Result: "action " + act.ID + " is now " + string(act.Status)}
	case "alert":
		if r.Update == nil || r.Alert == nil {
			break
		}
		u := *r.Update
		u.Comment = alertComment(u.Comment, comment)
		al, err := a.mde.UpdateAlert(ctx, r.Alert.ID, u)
		if err != nil {
			return failed(err, ap.ID)
		}
		return done("", alertResult(al))
	case "mute":
		if r.Mute != nil {
			return a.runMute(ctx, ap)
		}
	}
	return store.Execution{State: store.ApprovalFailed, Result: "mdebot does not know how to run " + r.Verb}
}

// failed records an MDE refusal in the words a person reads.
func failed(err error, id string) store.Execution {
	return store.Execution{State: store.ApprovalFailed, Result: ErrorMessage(err, id)}
}

func actionResult(res defender.ActionResult) string {
	if res.AlreadyPending {
		return fmt.Sprintf("Defender already had a %s pending on this device (action %s, %s); nothing new was sent", res.Action.Type, res.Action.ID, res.Action.Status)
	}
	return fmt.Sprintf("Defender action %s created (%s)", res.Action.ID, res.Action.Status)
}

// alertComment is the comment MDE stores with an alert update: the person's text, then who and
// which request.
func alertComment(text, comment string) string {
	if text == "" {
		return comment
	}
	return Truncate(text, 1000) + " — " + comment
}

func alertResult(al defender.Alert) string {
	parts := []string{"status " + string(al.Status)}
	if al.AssignedTo != "" {
		parts = append(parts, "assigned to "+al.AssignedTo)
	}
	if al.Classification != "" {
		parts = append(parts, "classified "+string(al.Classification))
	}
	if al.Determination != "" {
		parts = append(parts, "determination "+al.Determination)
	}
	return "alert " + al.ID + " updated: " + plainList(parts)
}
