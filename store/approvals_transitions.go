package store

import (
	"context"
	"errors"
	"time"
)

// Outcome says what one transition did; see the script codes in
// approvals_lua.go.
type Outcome string

// Transition outcomes.
const (
	// OutcomeChanged: the transition happened (this caller won it).
	OutcomeChanged Outcome = "changed"
	// OutcomeApproved: this vote completed the quorum; the request is approved.
	OutcomeApproved Outcome = "approved"
	// OutcomeCounted: the vote was recorded; more approvals are needed.
	OutcomeCounted Outcome = "counted"
	// OutcomeExpired: the request was past its expiry and this call expired it.
	OutcomeExpired Outcome = "expired"
	// OutcomeClosed: the request is not in a state this transition starts from.
	OutcomeClosed Outcome = "closed"
	// OutcomeOwn: the requester tried to approve their own request.
	OutcomeOwn Outcome = "own"
	// OutcomeAgain: the same person voted twice, or a cancel was already asked.
	OutcomeAgain Outcome = "again"
	// OutcomeEarly: the request is not due for this transition yet.
	OutcomeEarly Outcome = "early"
	// OutcomeSame: nothing changed (the same action status again).
	OutcomeSame Outcome = "same"
)

// Transition is the outcome of one change and the request as it is after it.
type Transition struct {
	Outcome  Outcome
	Approval Approval
}

// Execution is the result of running an approved request.
type Execution struct {
	// State is ApprovalDone (MDE accepted it) or ApprovalFailed.
	State          ApprovalState
	ActionID       string
	ActionStatus   string
	AlreadyPending bool
	Result         string
	At             time.Time
	// ContainFor, when above 0, is how long a containment lasts: a done execution that made its
	// own action schedules its release ContainFor after At (timed.go).
	ContainFor time.Duration
}

func (e Execution) args() []any {
	pending := 0
	if e.AlreadyPending {
		pending = 1
	}
	return []any{string(e.State), e.ActionID, e.ActionStatus, pending, e.Result, ms(e.At), ApprovalRetention.Milliseconds(),
		e.ContainFor.Milliseconds()}
}

// VoteApproval records user's approval at now. The quorum completes the
// request (OutcomeApproved); the requester's own vote (OutcomeOwn), a
// second vote (OutcomeAgain), a decided request (OutcomeClosed) and an
// expired one (OutcomeExpired, expired by this call) change nothing else.
// Whether it expired is the Redis server's call, not now's: now is what the
// record shows.
func (s *Store) VoteApproval(ctx context.Context, id, user string, now time.Time) (Transition, error) {
	code, a, err := s.runTransition(ctx, "vote approval", s.approvalScripts.vote, id, user, ms(now), ApprovalRetention.Milliseconds(), s.clock(now))
	if err != nil {
		return Transition{}, err
	}
	s.leftPending(ctx, a)
	if code == string(OutcomeApproved) {
		s.indexAddQuiet(ctx, s.activeIndex(), id, now)
	}
	return Transition{Outcome: Outcome(code), Approval: a}, nil
}

// DenyApproval denies a pending request for reason (OutcomeChanged), or
// expires it (OutcomeExpired) when it is past its expiry by the server's clock.
func (s *Store) DenyApproval(ctx context.Context, id, user, reason string, now time.Time) (Transition, error) {
	code, a, err := s.runTransition(ctx, "deny approval", s.approvalScripts.deny, id, user, reason, ms(now), ApprovalRetention.Milliseconds(), s.clock(now))
	if err != nil {
		return Transition{}, err
	}
	s.leftPending(ctx, a)
	return Transition{Outcome: Outcome(code), Approval: a}, nil
}

// ExpireApproval expires a pending request whose expiry has passed by the
// server's clock (OutcomeChanged; now is recorded as when it was decided);
// OutcomeEarly when it is not due yet.
func (s *Store) ExpireApproval(ctx context.Context, id string, now time.Time, reason string) (Transition, error) {
	code, a, err := s.runTransition(ctx, "expire approval", s.approvalScripts.expire, id, ms(now), ApprovalRetention.Milliseconds(), reason, s.clock(now))
	if errors.Is(err, ErrNotFound) {
		_ = s.indexRemove(ctx, s.pendingIndex(), id)
	}
	if err != nil {
		return Transition{}, err
	}
	s.leftPending(ctx, a)
	return Transition{Outcome: Outcome(code), Approval: a}, nil
}

// SetActionStatus records a new status of the request's MDE action
// (OutcomeChanged), unless the status it has is final (OutcomeClosed) or
// the same (OutcomeSame).
func (s *Store) SetActionStatus(ctx context.Context, id, status string, now time.Time) (Transition, error) {
	code, a, err := s.runTransition(ctx, "set action status", s.approvalScripts.status, id, status, ms(now), ApprovalRetention.Milliseconds())
	if err != nil {
		return Transition{}, err
	}
	if code == string(OutcomeClosed) || finalStatus(a.ActionStatus) {
		_ = s.indexRemove(ctx, s.followingIndex(), id)
	}
	return Transition{Outcome: Outcome(code), Approval: a}, nil
}

// ClaimCancel records that user asks to cancel the request's live MDE
// action, once (OutcomeChanged; OutcomeAgain when someone already asked).
func (s *Store) ClaimCancel(ctx context.Context, id, user, reason string, now time.Time) (Transition, error) {
	code, a, err := s.runTransition(ctx, "claim cancel", s.approvalScripts.cancelClaim, id, user, reason, ms(now))
	return Transition{Outcome: Outcome(code), Approval: a}, err
}

// ReleaseCancel withdraws user's cancel claim (MDE refused the cancel).
func (s *Store) ReleaseCancel(ctx context.Context, id, user string) (Transition, error) {
	code, a, err := s.runTransition(ctx, "release cancel", s.approvalScripts.cancelRelease, id, user)
	return Transition{Outcome: Outcome(code), Approval: a}, err
}

// MarkPackagePosted records, once, that the investigation package link of a
// done request was posted (OutcomeChanged to the one caller that posts it).
func (s *Store) MarkPackagePosted(ctx context.Context, id string, now time.Time) (Transition, error) {
	code, a, err := s.runTransition(ctx, "mark package posted", s.approvalScripts.pkg, id, ms(now))
	return Transition{Outcome: Outcome(code), Approval: a}, err
}

// ClaimPoll claims the next look at a done request's MDE action, for interval: one caller per
// interval of the server's clock across replicas gets OutcomeChanged, the others OutcomeEarly.
// now is the caller's clock, which decides only in a store made WithCallerClockForTests.
func (s *Store) ClaimPoll(ctx context.Context, id string, now time.Time, interval time.Duration) (Transition, error) {
	code, a, err := s.runTransition(ctx, "claim poll", s.approvalScripts.poll, id, interval.Milliseconds(), s.clock(now))
	return Transition{Outcome: Outcome(code), Approval: a}, err
}

// leftPending drops a request that is no longer pending from the pending
// index.
func (s *Store) leftPending(ctx context.Context, a Approval) {
	if a.ID != "" && a.State != ApprovalPending {
		_ = s.indexRemove(ctx, s.pendingIndex(), a.ID)
	}
}

// afterExecution moves a finished request from the active index to the
// followed one when it has a live MDE action.
func (s *Store) afterExecution(ctx context.Context, code string, a Approval, now time.Time) {
	if code != string(OutcomeChanged) {
		return
	}
	_ = s.indexRemove(ctx, s.activeIndex(), a.ID)
	if a.State == ApprovalDone && a.ActionID != "" && !finalStatus(a.ActionStatus) {
		s.indexAddQuiet(ctx, s.followingIndex(), a.ID, now)
	}
	s.afterScheduled(ctx, a)
}

// finalStatus mirrors final_status in the scripts.
func finalStatus(s string) bool {
	switch s {
	case "Succeeded", "Failed", "TimeOut", "Cancelled":
		return true
	}
	return false
}

// indexAddQuiet adds to an index and ignores a failure: the indexes are
// hints for the sweeper, and the record stays the truth.
func (s *Store) indexAddQuiet(ctx context.Context, key, id string, at time.Time) {
	_ = s.indexAdd(ctx, key, id, float64(ms(at)))
}
