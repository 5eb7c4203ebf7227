package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
)

// TimedStep is what one look at a containment with an end did, for bot to show.
type TimedStep struct {
	Approval Approval
	// Remind: post the reminder (with Extend and Release now) in the card's thread.
	Remind bool
	// Released: the release was decided (sent, found in Defender, skipped or failed).
	Released bool
	// Progress: the release's Defender action changed.
	Progress bool
}

// ContainmentsDue looks at every containment whose next look is due: it claims the reminder 15
// minutes before the end, the release at the end (exactly once across replicas: the claim has a
// lease, and a release whose claimer stopped is taken over when the lease ran out), and follows
// the release's Defender action. Every replica may run it.
func (a *Approvals) ContainmentsDue(ctx context.Context) ([]TimedStep, error) {
	now := a.now()
	ids, err := a.st.DueTimed(ctx, now, sweepBatch)
	if err != nil {
		return nil, err
	}
	var out []TimedStep
	var errs []error
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		step, err := a.lookTimed(ctx, id, now)
		errs = append(errs, err)
		if step.Remind || step.Released || step.Progress {
			out = append(out, step)
		}
	}
	return out, errors.Join(errs...)
}

func (a *Approvals) lookTimed(ctx context.Context, id string, now time.Time) (TimedStep, error) {
	tr, err := a.st.TimedTick(ctx, id, store.TimedLook{Owner: a.owner, Now: now, Lease: releaseLease, Lead: RemindBefore, Poll: releasePoll})
	if errors.Is(err, store.ErrNotFound) {
		return TimedStep{}, a.st.Unschedule(ctx, id)
	}
	if err != nil {
		return TimedStep{}, err
	}
	ap, err := fromStore(tr.Approval)
	if err != nil {
		a.log.Error("decode request", "request", id, "err", err)
		return TimedStep{}, a.st.Unschedule(ctx, id)
	}
	step := TimedStep{Approval: ap}
	switch tr.Outcome {
	case store.OutcomeRemind:
		step.Remind = true
		a.record(ctx, ap, "release reminder", botActor, ap.ActionID, "the containment ends at "+stamp(ap.Contain.Until))
	case store.OutcomeRelease:
		step.Approval, step.Released = a.release(ctx, ap)
	case store.OutcomePoll:
		step.Approval, step.Progress = a.followRelease(ctx, ap, now)
	}
	at, ok := nextLook(step.Approval, now)
	if !ok {
		return step, a.st.Unschedule(ctx, id)
	}
	return step, a.st.LookAgain(ctx, id, at)
}

// nextLook is when a containment is looked at next; false when it is over.
func nextLook(ap Approval, now time.Time) (time.Time, bool) {
	c := ap.Contain
	switch {
	case c.State == "" && ap.State == ApprovalPending:
		return ap.Expires, true
	case c.State == "" && (ap.State == ApprovalApproved || ap.State == ApprovalExecuting):
		return now.Add(runningLook), true
	case c.State == store.ReleaseScheduled:
		if remind := c.Until.Add(-RemindBefore); !c.RemindedUntil.Equal(c.Until) && remind.After(now) {
			return remind, true
		}
		return c.Until, true
	case c.State == store.ReleaseReleasing:
		return c.Lease, true
	case c.State == store.ReleaseReleased && c.ActionID != "" && !defender.ActionStatus(c.ActionStatus).Final():
		return now.Add(releasePoll), true
	}
	return time.Time{}, false
}

// release sends the release this replica claimed, or records why none is needed, and returns
// the request as it is after.
func (a *Approvals) release(ctx context.Context, ap Approval) (Approval, bool) {
	rel, retry := a.decideRelease(ctx, ap)
	if ctx.Err() != nil {
		// Stopped mid-call: the claim lapses and whoever takes it over looks at Defender first.
		return ap, false
	}
	if retry != nil {
		if !definitive(retry) || ap.Contain.Attempts < maxReleaseAttempts {
			why := "Defender did not take the release yet: " + ErrorMessage(retry, ap.ID)
			a.log.Warn("timed release not done; trying again", "request", ap.ID, "attempt", ap.Contain.Attempts, "err", retry)
			if tr, err := a.st.RetryRelease(ctx, ap.ID, a.owner, a.now(), releaseRetry, Truncate(why, 400)); err == nil {
				after, _ := fromStore(tr.Approval)
				return after, false
			}
			return ap, false
		}
		rel = store.Release{State: store.ReleaseFailed, Result: fmt.Sprintf("Defender refused the release %d times (%s); release the device by hand",
			ap.Contain.Attempts, ErrorMessage(retry, ap.ID))}
	}
	rel.At = a.now()
	tr, err := a.st.FinishRelease(context.WithoutCancel(ctx), ap.ID, a.owner, rel)
	if err != nil || tr.Outcome != store.OutcomeChanged {
		if err != nil {
			a.log.Error("release outcome not recorded; the next claimer looks at Defender", "request", ap.ID, "err", err)
		}
		return ap, false
	}
	after, err := fromStore(tr.Approval)
	if err != nil {
		return ap, false
	}
	event := map[store.ReleaseState]string{store.ReleaseReleased: "released", store.ReleaseSkipped: "release skipped",
		store.ReleaseFailed: "release failed"}[rel.State]
	a.record(ctx, after, event, botActor, rel.ActionID, rel.Result)
	return after, true
}

// decideRelease looks at Defender and sends the release when it is still needed. It returns the
// outcome, or the error to retry after.
func (a *Approvals) decideRelease(ctx context.Context, ap Approval) (store.Release, error) {
	ctx, cancel := context.WithTimeout(ctx, execTimeout)
	defer cancel()
	what := map[string]string{"isolate": "isolation", "restrict": "app restriction"}[ap.Request.Verb]
	act, err := a.mde.GetMachineAction(ctx, ap.ActionID)
	if errors.Is(err, defender.ErrNotFound) {
		return store.Release{State: store.ReleaseSkipped, Result: "Defender no longer has the " + what + " action " + ap.ActionID + "; nothing was sent"}, nil
	}
	if err != nil {
		return store.Release{}, err
	}
	comment := a.releaseComment(ctx, ap)
	switch {
	case !act.Status.Final():
		// The device never received the containment: cancelling it is the undo.
		c, err := a.mde.CancelAction(ctx, act.ID, comment)
		if err != nil {
			return store.Release{}, err
		}
		return store.Release{State: store.ReleaseReleased, ActionID: act.ID, ActionStatus: string(cmpStatus(c.Status, defender.ActionCancelled)),
			Result: "the " + what + " had not reached the device by its end; mdebot cancelled it"}, nil
	case act.Status != defender.ActionSucceeded:
		return store.Release{State: store.ReleaseSkipped, ActionID: act.ID, ActionStatus: string(act.Status),
			Result: "the " + what + " never took effect (Defender: " + string(act.Status) + "); nothing to release"}, nil
	}
	if rel, found, err := a.undoneSince(ctx, ap, act); err != nil || found {
		return rel, err
	}
	var res defender.ActionResult
	if ap.Request.Verb == "restrict" {
		res, err = a.mde.UnrestrictCodeExecution(ctx, ap.Request.MachineID, comment)
	} else {
		res, err = a.mde.Unisolate(ctx, ap.Request.MachineID, comment)
	}
	if err != nil {
		return store.Release{}, err
	}
	if res.AlreadyPending {
		return store.Release{State: store.ReleaseSkipped, ActionID: res.Action.ID, ActionStatus: string(res.Action.Status),
			Result: "Defender already had a release pending (action " + res.Action.ID + "); nothing new was sent"}, nil
	}
	return store.Release{State: store.ReleaseReleased, ActionID: res.Action.ID, ActionStatus: string(res.Action.Status),
		Result: "Defender action " + res.Action.ID + " created (" + string(res.Action.Status) + ")"}, nil
}

// undoneSince looks for a release of the device made after the containment act: mdebot's own
// (a replica stopped after sending it), or one done by hand in Defender. Either way nothing is
// sent again.
func (a *Approvals) undoneSince(ctx context.Context, ap Approval, act defender.MachineAction) (store.Release, bool, error) {
	f := defender.And(defender.Eq("machineId", ap.Request.MachineID), defender.Eq("type", string(undoAction(ap.Request.Verb))))
	undos, err := a.mde.ListMachineActions(ctx, defender.ListOptions{Filter: f, Limit: 200})
	if err != nil {
		return store.Release{}, false, err
	}
	for _, u := range undos {
		if u.CreationDateTimeUTC.Before(act.CreationDateTimeUTC.Time) ||
			(u.Status != defender.ActionPending && u.Status != defender.ActionInProgress && u.Status != defender.ActionSucceeded) {
			continue
		}
		if strings.HasPrefix(u.RequestorComment, commentTag(ap.ID)) {
			return store.Release{State: store.ReleaseReleased, ActionID: u.ID, ActionStatus: string(u.Status),
				Result: "Defender action " + u.ID + " (" + string(u.Status) + "), sent before a replica stopped; not sent again"}, true, nil
		}
		by := u.Requestor
		if by == "" {
			by = "someone"
		}
		return store.Release{State: store.ReleaseSkipped, ActionID: u.ID, ActionStatus: string(u.Status),
			Result: fmt.Sprintf("already released in Defender by %s (action %s, %s, %s); nothing was sent",
				Plain(by, 120), u.ID, u.Status, stamp(u.CreationDateTimeUTC.Time))}, true, nil
	}
	return store.Release{}, false, nil
}

// releaseComment is the comment of the release at the end: the request id first (as in every
// comment mdebot writes), then what ends and the people who approved it.
func (a *Approvals) releaseComment(ctx context.Context, ap Approval) string {
	rest := strings.TrimPrefix(a.comment(ctx, ap), commentTag(ap.ID)+" ")
	return commentTag(ap.ID) + " timed " + UndoVerb(ap.Request.Verb) + " at the end of " + rest
}

// followRelease looks at the release's Defender action and records a new status.
func (a *Approvals) followRelease(ctx context.Context, ap Approval, now time.Time) (Approval, bool) {
	act, err := a.mde.GetMachineAction(ctx, ap.Contain.ActionID)
	if err != nil {
		a.log.Info("release action not read; trying later", "request", ap.ID, "err", err)
		return ap, false
	}
	tr, err := a.st.SetReleaseStatus(ctx, ap.ID, string(act.Status), now)
	if err != nil || tr.Outcome != store.OutcomeChanged {
		return ap, false
	}
	after, err := fromStore(tr.Approval)
	if err != nil {
		return ap, false
	}
	if act.Status.Final() {
		a.record(ctx, after, "release "+strings.ToLower(string(act.Status)), botActor, act.ID, "Defender: "+string(act.Status))
	}
	return after, true
}

// definitive reports whether Defender refused for good (a 4xx other than 429), rather than
// being out of reach or busy.
func definitive(err error) bool {
	var apiErr *defender.APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode >= 400 && apiErr.StatusCode < 500 && apiErr.StatusCode != 429
}

func cmpStatus(s, def defender.ActionStatus) defender.ActionStatus {
	if s == "" {
		return def
	}
	return s
}
