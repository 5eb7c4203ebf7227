package store

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Outcomes of taking an execution over (see TakeoverExecution).
const (
	// OutcomeStarted: an approved request nobody started was started for the caller.
	OutcomeStarted Outcome = "started"
	// OutcomeTaken: an execution whose owner's lease ran out is the caller's now.
	OutcomeTaken Outcome = "taken"
	// OutcomeLate: an approved request was never started and is now too old to run.
	OutcomeLate Outcome = "late"
)

// DefaultExecutionLease is how long an execution stays its owner's without a renewal.
const DefaultExecutionLease = 10 * time.Second

// Option tunes a Store.
type Option func(*Store)

// WithExecutionLease sets the execution lease (DefaultExecutionLease when not positive).
func WithExecutionLease(d time.Duration) Option {
	return func(s *Store) {
		if d > 0 {
			s.execLease = d
		}
	}
}

// ExecutionLease is how long an execution stays its owner's without a renewal: an owner renews
// well inside it, and another replica takes over once it ran out.
func (s *Store) ExecutionLease() time.Duration { return s.execLease }

// leaseKey holds the owner of a running execution, for the execution lease's TTL.
func (s *Store) leaseKey(id string) string { return s.key("approval-lease", hashTag(id)) }

// TakeoverPolicy says when an approved request that nobody started is started by another
// replica, judged by the Redis server's clock.
type TakeoverPolicy struct {
	// StartGrace is how long after its approval the replica that approved a request has to start
	// it alone.
	StartGrace time.Duration
	// Late is how long after its approval a request that was never started is no longer run.
	Late time.Duration
}

// ClaimExecution moves an approved request to executing for owner, exactly once across every
// caller (OutcomeChanged to the one that wins), who then holds the execution lease and renews it
// with RenewExecution while it works.
func (s *Store) ClaimExecution(ctx context.Context, id, owner string, now time.Time) (Transition, error) {
	code, a, err := s.runExec(ctx, "claim execution", s.approvalScripts.claim, id,
		owner, ms(now), ApprovalRetention.Milliseconds(), s.execLease.Milliseconds())
	if err != nil {
		return Transition{}, err
	}
	if code == string(OutcomeChanged) {
		s.indexAddQuiet(ctx, s.activeIndex(), id, now)
	}
	return Transition{Outcome: Outcome(code), Approval: a}, nil
}

// RenewExecution extends owner's execution lease. It reports false when owner no longer holds it
// (it ran out, or another replica took the execution over): owner must stop, and must not send
// anything more for the request.
func (s *Store) RenewExecution(ctx context.Context, id, owner string) (bool, error) {
	code, _, err := s.runExec(ctx, "renew execution", s.approvalScripts.renew, id, owner, s.execLease.Milliseconds())
	if err != nil {
		return false, err
	}
	return code == string(OutcomeSame), nil
}

// TakeoverExecution gives owner an execution another replica left: an approved request that was
// not started within p.StartGrace of its approval (OutcomeStarted; OutcomeLate past p.Late,
// when it must not run any more), or an execution whose owner's lease ran out (OutcomeTaken: the
// new owner must first find out from MDE whether the old one sent it). OutcomeEarly while the
// request is another replica's, OutcomeClosed when there is nothing to take.
func (s *Store) TakeoverExecution(ctx context.Context, id, owner string, now time.Time, p TakeoverPolicy) (Transition, error) {
	code, a, err := s.runExec(ctx, "take over execution", s.approvalScripts.takeover, id,
		owner, ms(now), ApprovalRetention.Milliseconds(), s.execLease.Milliseconds(), p.StartGrace.Milliseconds(), p.Late.Milliseconds())
	if err != nil {
		return Transition{}, err
	}
	if code == string(OutcomeClosed) && a.State != ApprovalPending {
		_ = s.LeaveActive(ctx, id)
	}
	return Transition{Outcome: Outcome(code), Approval: a}, nil
}

// FinishExecution records the result of owner's execution and ends its lease. It changes
// nothing (OutcomeClosed) when owner no longer owns the execution.
func (s *Store) FinishExecution(ctx context.Context, id, owner string, e Execution) (Transition, error) {
	code, a, err := s.runExec(ctx, "finish execution", s.approvalScripts.finish, id, append(append([]any{owner}, e.args()...), s.clock(e.At))...)
	if err != nil {
		return Transition{}, err
	}
	s.afterExecution(ctx, code, a, e.At)
	return Transition{Outcome: Outcome(code), Approval: a}, nil
}

// runExec runs an execution script on the record of id and its lease.
func (s *Store) runExec(ctx context.Context, op string, sc *redis.Script, id string, args ...any) (string, Approval, error) {
	if id == "" {
		return "", Approval{}, fmt.Errorf("store: %s: %w", op, ErrNotFound)
	}
	v, err := sc.Run(ctx, s.rdb, []string{s.approvalKey(id), s.leaseKey(id)}, args...).Result()
	if err != nil {
		return "", Approval{}, wrap(op, err)
	}
	code, a, err := parseScriptReply(id, v)
	if err != nil {
		return "", Approval{}, err
	}
	if code == "missing" {
		return code, a, fmt.Errorf("store: %s: %w", op, ErrNotFound)
	}
	return code, a, nil
}
