package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
)

// Resume finishes what a stopped replica left, as soon as Redis says it was left: it starts the
// approved requests their replica did not start within the start grace, and takes over the executions
// whose owner's lease ran out, looking in MDE for what the old owner sent (by the request id)
// and sending only what MDE does not have. Every replica may run it: each takeover has one
// winner. The decisions use the Redis server's clock.
func (a *Approvals) Resume(ctx context.Context) ([]Outcome, error) {
	now := a.now()
	ids, err := a.st.ActiveApprovals(ctx, now.Add(time.Hour), sweepBatch)
	if err != nil {
		return nil, err
	}
	var out []Outcome
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		o, err := a.takeOver(ctx, id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			_ = a.st.ForgetApproval(ctx, id)
		case err != nil:
			return out, err
		case o.Changed:
			out = append(out, o)
		}
	}
	return out, nil
}

// takeOver runs or settles request id when its replica left it.
func (a *Approvals) takeOver(ctx context.Context, id string) (Outcome, error) {
	tr, err := a.st.TakeoverExecution(ctx, id, a.owner, a.now(), store.TakeoverPolicy{StartGrace: a.grace, Late: a.policy.TTL})
	if err != nil {
		return Outcome{}, err
	}
	ap, err := fromStore(tr.Approval)
	if err != nil {
		return Outcome{}, err
	}
	switch tr.Outcome {
	case store.OutcomeLate:
		return a.failLate(ctx, id), nil
	case store.OutcomeStarted:
		// Never claimed before, so never sent: run it as the approving replica would have.
		a.record(ctx, ap, "executing", botActor, "", a.comment(ctx, ap))
		return a.runHeld(ctx, ap, false), nil
	case store.OutcomeTaken:
		a.log.Warn("taking over an execution whose replica stopped", "request", id, "takeovers", tr.Approval.Takeovers)
		return a.runHeld(ctx, ap, true), nil
	}
	return Outcome{}, nil
}

// failLate closes an approved request that no replica could start before it was too old to run.
func (a *Approvals) failLate(ctx context.Context, id string) Outcome {
	tr, err := a.st.ClaimExecution(ctx, id, a.owner, a.now())
	if err != nil || tr.Outcome != store.OutcomeChanged {
		return Outcome{}
	}
	ap, err := fromStore(tr.Approval)
	if err != nil {
		return Outcome{}
	}
	return a.finish(ctx, ap, store.Execution{State: store.ApprovalFailed,
		Result: "approved, but no mdebot replica was running to start it before the request expired; nothing was sent to Defender"})
}

// holdLease renews ap's execution lease while the returned context lives. The context ends when
// the lease is lost, or could not be renewed before a third of it was left, so that this replica
// stops sending before another can take over; stop ends the renewals (it may be called twice).
func (a *Approvals) holdLease(ctx context.Context, id string) (context.Context, func()) {
	lease := a.st.ExecutionLease()
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		every := lease / 3
		valid := time.Now().Add(lease * 2 / 3)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-wctx.Done():
				return
			case <-tick.C:
			}
			start := time.Now()
			rctx, rcancel := context.WithTimeout(wctx, every)
			ok, err := a.st.RenewExecution(rctx, id, a.owner)
			rcancel()
			switch {
			case err == nil && ok:
				valid = start.Add(lease * 2 / 3)
			case err == nil:
				a.log.Warn("execution lease lost; stopping", "request", id)
				cancel()
				return
			case time.Now().After(valid):
				a.log.Warn("execution lease not renewed in time; stopping", "request", id, "err", err)
				cancel()
				return
			}
		}
	}()
	var once sync.Once
	return wctx, func() { once.Do(func() { cancel(); <-done }) }
}

// findResult looks in MDE for what an earlier owner of ap sent, by the request id: the machine
// action whose comment carries it, the indicator whose externalID is it, the indicator already
// gone, the cancel already recorded on its action, the alert comment carrying it. found is false
// when MDE has nothing from it, and the request is then sent.
func (a *Approvals) findResult(ctx context.Context, ap Approval) (store.Execution, bool, error) {
	r, now := ap.Request, a.now()
	if isDeviceVerb(r.Verb) {
		act, found, err := a.findAction(ctx, ap)
		if err != nil || !found {
			return store.Execution{}, false, err
		}
		return store.Execution{State: store.ApprovalDone, ActionID: act.ID, ActionStatus: string(act.Status), At: now,
			Result: fmt.Sprintf("Defender action %s created (%s); found after the replica sending it stopped", act.ID, act.Status)}, true, nil
	}
	done := func(id, result string) store.Execution {
		return store.Execution{State: store.ApprovalDone, ActionID: id, ActionStatus: string(defender.ActionSucceeded), At: now, Result: result}
	}
	switch r.Verb {
	case "block":
		ind, found, err := a.findIndicator(ctx, r.Indicator, func(i defender.Indicator) bool { return i.ExternalID == ap.ID })
		if err != nil || !found {
			return store.Execution{}, false, err
		}
		return done(string(ind.ID), "indicator "+string(ind.ID)+" blocks "+r.Indicator), true, nil
	case "unblock":
		_, found, err := a.findIndicator(ctx, r.Indicator, func(i defender.Indicator) bool { return string(i.ID) == r.IndicatorID })
		if err != nil || found || r.Indicator == "" {
			return store.Execution{}, false, err
		}
		return done(r.IndicatorID, "indicator "+r.IndicatorID+" removed"), true, nil
	case "cancel":
		if r.Action == nil {
			break
		}
		act, err := a.mde.GetMachineAction(ctx, r.Action.ID)
		if err != nil {
			return store.Execution{}, false, err
		}
		if strings.Contains(act.CancellationComment, commentTag(ap.ID)) || act.Status == defender.ActionCancelled {
			return done(act.ID, "action "+act.ID+" is now "+string(act.Status)), true, nil
		}
		if act.Status.Final() {
			return store.Execution{State: store.ApprovalFailed, ActionID: act.ID, At: now,
				Result: "action " + act.ID + " had already ended (" + string(act.Status) + "); there was nothing left to cancel"}, true, nil
		}
	case "alert":
		if r.Alert == nil {
			break
		}
		al, err := a.mde.GetAlert(ctx, r.Alert.ID, false)
		if err != nil {
			return store.Execution{}, false, err
		}
		for _, c := range al.Comments {
			if strings.Contains(c.Comment, commentTag(ap.ID)) {
				return done("", alertResult(al)), true, nil
			}
		}
	}
	return store.Execution{}, false, nil
}

// findAction looks for the machine action a request made, by the request id in its comment.
// requestorComment cannot be filtered on (List MachineActions filters id, status, machineId,
// type, requestor and creationDateTimeUtc:
// https://learn.microsoft.com/defender-endpoint/api/get-machineactions-collection), so the
// device's actions of the type are read and matched here.
func (a *Approvals) findAction(ctx context.Context, ap Approval) (defender.MachineAction, bool, error) {
	f := defender.And(defender.Eq("machineId", ap.Request.MachineID), defender.Eq("type", string(actionTypeOf(ap.Request.Verb))))
	acts, err := a.mde.ListMachineActions(ctx, defender.ListOptions{Filter: f, Limit: 200})
	if err != nil {
		return defender.MachineAction{}, false, err
	}
	for _, act := range acts {
		if strings.Contains(act.RequestorComment, commentTag(ap.ID)) {
			return act, true, nil
		}
	}
	return defender.MachineAction{}, false, nil
}

// findIndicator looks for an indicator of value that match accepts. externalID cannot be
// filtered on (List Indicators filters application, createdByDisplayName, expirationTime,
// generateAlert, title, rbacGroupNames, rbacGroupIds, indicatorValue, indicatorType,
// creationTimeDateTimeUtc, createdBy, action and severity:
// https://learn.microsoft.com/defender-endpoint/api/get-ti-indicators-collection), so the
// indicators of the value are read and matched here.
func (a *Approvals) findIndicator(ctx context.Context, value string, match func(defender.Indicator) bool) (defender.Indicator, bool, error) {
	if value == "" {
		return defender.Indicator{}, false, nil
	}
	inds, err := a.mde.ListIndicators(ctx, defender.ListOptions{Filter: defender.Eq("indicatorValue", value), Limit: 200})
	if err != nil {
		return defender.Indicator{}, false, err
	}
	for _, ind := range inds {
		if match(ind) {
			return ind, true, nil
		}
	}
	return defender.Indicator{}, false, nil
}
