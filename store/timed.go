package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// ReleaseState is where the release of a containment with an end is.
type ReleaseState string

// Release states: scheduled until the end, releasing while one replica holds the claim, then
// released (mdebot sent the release, or found its own), skipped (nothing to release: the device
// was released by hand, or the containment never took effect), failed (Defender kept refusing),
// cancelled (someone cancelled the timed release) or superseded (released early by another
// request).
const (
	ReleaseScheduled  ReleaseState = "scheduled"
	ReleaseReleasing  ReleaseState = "releasing"
	ReleaseReleased   ReleaseState = "released"
	ReleaseSkipped    ReleaseState = "skipped"
	ReleaseFailed     ReleaseState = "failed"
	ReleaseCancelled  ReleaseState = "cancelled"
	ReleaseSuperseded ReleaseState = "superseded"
)

// Pending reports whether the release is still to happen (scheduled, or claimed and running).
func (s ReleaseState) Pending() bool { return s == ReleaseScheduled || s == ReleaseReleasing }

// Outcomes of the timed containment scripts, beyond the transition outcomes.
const (
	// OutcomeRelease: this caller claimed the release (or took over a lapsed claim): send it.
	OutcomeRelease Outcome = "release"
	// OutcomeRemind: this caller posts the reminder before the end, once per end.
	OutcomeRemind Outcome = "remind"
	// OutcomePoll: this caller looks at the release's Defender action now.
	OutcomePoll Outcome = "poll"
	// OutcomeHeld: another caller holds the release and its lease has not run out.
	OutcomeHeld Outcome = "held"
	// OutcomeLimit: the extension would take the containment past its longest.
	OutcomeLimit Outcome = "limit"
)

// Containment is the end of a containment (isolate or restrict "for" a duration) and its
// release, kept in the request's record. State is empty for a request without an end, and for
// one that has not run yet.
type Containment struct {
	Until         time.Time
	State         ReleaseState
	Owner         string
	Lease         time.Time
	Attempts      int
	ActionID      string
	ActionStatus  string
	Result        string
	At            time.Time
	By, Reason    string
	Extensions    int
	RemindedUntil time.Time
}

func parseContainment(m map[string]string) Containment {
	return Containment{
		Until: fromMS(m["contain_until"]), State: ReleaseState(m["release_state"]), Owner: m["release_owner"],
		Lease: fromMS(m["release_lease"]), Attempts: atoi(m["release_attempts"]), ActionID: m["release_action"],
		ActionStatus: m["release_status"], Result: m["release_result"], At: fromMS(m["release_at"]),
		By: m["release_by"], Reason: m["release_reason"], Extensions: atoi(m["extensions"]),
		RemindedUntil: fromMS(m["reminded_until"]),
	}
}

// TimedLook tunes one look at a containment with an end.
type TimedLook struct {
	Owner string
	// Now is the caller's clock, for the record (the release claim's lease as the timed index
	// sees it); the Redis server's clock decides when the end came and when a lease ran out.
	Now time.Time
	// Lease is how long a release claim keeps other replicas off.
	Lease time.Duration
	// Lead is how long before the end the reminder is due.
	Lead time.Duration
	// Poll is the interval between looks at the release's Defender action.
	Poll time.Duration
}

// TimedTick looks at the containment of request id once: OutcomeRelease to the one caller that
// claims its release when the end has come (or whose lease lapsed), OutcomeRemind to the one
// that posts the reminder, OutcomePoll to the one that follows the release's action now;
// OutcomeEarly, OutcomeHeld or OutcomeClosed otherwise.
func (s *Store) TimedTick(ctx context.Context, id string, l TimedLook) (Transition, error) {
	code, a, err := s.runTransition(ctx, "timed containment", s.approvalScripts.timedTick, id,
		l.Owner, ms(l.Now), l.Lease.Milliseconds(), l.Lead.Milliseconds(), l.Poll.Milliseconds(), s.clock(l.Now))
	return Transition{Outcome: Outcome(code), Approval: a}, err
}

// Release is the outcome of sending (or not sending) a release.
type Release struct {
	State        ReleaseState
	ActionID     string
	ActionStatus string
	Result       string
	At           time.Time
}

// FinishRelease records the outcome of owner's release claim (OutcomeChanged), or nothing when
// owner no longer holds it (OutcomeClosed).
func (s *Store) FinishRelease(ctx context.Context, id, owner string, r Release) (Transition, error) {
	code, a, err := s.runTransition(ctx, "finish release", s.approvalScripts.releaseDone, id,
		owner, string(r.State), r.ActionID, r.ActionStatus, r.Result, ms(r.At), ApprovalRetention.Milliseconds())
	return Transition{Outcome: Outcome(code), Approval: a}, err
}

// RetryRelease gives owner's release claim back for after (by the server's clock; now.Add(after)
// on the record), with why it did not work yet.
func (s *Store) RetryRelease(ctx context.Context, id, owner string, now time.Time, after time.Duration, why string) (Transition, error) {
	code, a, err := s.runTransition(ctx, "retry release", s.approvalScripts.releaseRetry, id, owner, ms(now.Add(after)), why,
		after.Milliseconds(), s.clock(now))
	return Transition{Outcome: Outcome(code), Approval: a}, err
}

// SetReleaseStatus records a new status of the release's Defender action.
func (s *Store) SetReleaseStatus(ctx context.Context, id, status string, now time.Time) (Transition, error) {
	code, a, err := s.runTransition(ctx, "set release status", s.approvalScripts.releaseStatus, id,
		status, ms(now), ApprovalRetention.Milliseconds())
	return Transition{Outcome: Outcome(code), Approval: a}, err
}

// ExtendContainment moves the end of request id's containment by add, once per extension
// request ext (OutcomeAgain after), while its release is scheduled (OutcomeClosed otherwise),
// and never more than longest from now by the server's clock (OutcomeLimit).
func (s *Store) ExtendContainment(ctx context.Context, id, ext string, add time.Duration, now time.Time, longest time.Duration) (Transition, error) {
	if ext == "" || add <= 0 {
		return Transition{}, fmt.Errorf("store: extend containment: no extension request or duration")
	}
	code, a, err := s.runTransition(ctx, "extend containment", s.approvalScripts.extend, id,
		ext, add.Milliseconds(), ms(now), longest.Milliseconds(), ApprovalRetention.Milliseconds(), s.clock(now))
	if err == nil && code == string(OutcomeChanged) {
		s.indexAddQuiet(ctx, s.timedIndex(), id, a.Contain.Until.Add(-time.Hour))
	}
	return Transition{Outcome: Outcome(code), Approval: a}, err
}

// StopRelease stops a scheduled release: state is ReleaseCancelled or ReleaseSuperseded, by and
// reason say who and why.
func (s *Store) StopRelease(ctx context.Context, id string, state ReleaseState, by, reason string, now time.Time) (Transition, error) {
	if state != ReleaseCancelled && state != ReleaseSuperseded {
		return Transition{}, fmt.Errorf("store: stop release: cannot stop into %q", state)
	}
	code, a, err := s.runTransition(ctx, "stop release", s.approvalScripts.stopRelease, id,
		string(state), by, reason, ms(now), ApprovalRetention.Milliseconds())
	return Transition{Outcome: Outcome(code), Approval: a}, err
}

// DueTimed returns up to limit containments with an end whose next look is due at now.
func (s *Store) DueTimed(ctx context.Context, now time.Time, limit int) ([]string, error) {
	return s.indexRange(ctx, "due containments", s.timedIndex(), now, limit)
}

// TimedRequests returns up to limit containments with an end that are still looked after,
// soonest look first, whatever their state.
func (s *Store) TimedRequests(ctx context.Context, limit int) ([]string, error) {
	ids, err := s.rdb.ZRange(ctx, s.timedIndex(), 0, int64(max(limit, 1))-1).Result()
	return ids, wrap("timed containments", err)
}

// LookAgain sets when request id's containment is looked at next.
func (s *Store) LookAgain(ctx context.Context, id string, at time.Time) error {
	return s.indexAdd(ctx, s.timedIndex(), id, float64(ms(at)))
}

// Unschedule stops looking at request id's containment (it is over).
func (s *Store) Unschedule(ctx context.Context, id string) error {
	return s.indexRemove(ctx, s.timedIndex(), id)
}

// afterScheduled puts a containment whose release was just scheduled at its reminder in the
// timed index. A failure is harmless: the entry made with the request looks at it then.
func (s *Store) afterScheduled(ctx context.Context, a Approval) {
	if a.Contain.State == ReleaseScheduled {
		s.indexAddQuiet(ctx, s.timedIndex(), a.ID, a.Contain.Until.Add(-time.Hour))
	}
}

// MarkRetagged records that a device's tags changed at now, so that every replica's cache of
// device tags (alert routing) drops it at its next poll. Entries are kept for a day.
func (s *Store) MarkRetagged(ctx context.Context, machineID string, now time.Time) error {
	key := s.key("devices", "retagged")
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, key, redis.Z{Score: float64(ms(now)), Member: machineID})
		p.ZRemRangeByScore(ctx, key, "-inf", strconv.FormatInt(ms(now.Add(-retagKeep)), 10))
		p.PExpire(ctx, key, retagKeep)
		return nil
	})
	return wrap("mark retagged", err)
}

// Retagged returns the devices whose tags changed after since, with when (at most 1000).
func (s *Store) Retagged(ctx context.Context, since time.Time) (map[string]time.Time, error) {
	zs, err := s.rdb.ZRangeByScoreWithScores(ctx, s.key("devices", "retagged"), &redis.ZRangeBy{
		Min: "(" + strconv.FormatInt(ms(since), 10), Max: "+inf", Count: 1000}).Result()
	if err != nil {
		return nil, wrap("retagged devices", err)
	}
	out := make(map[string]time.Time, len(zs))
	for _, z := range zs {
		if id, ok := z.Member.(string); ok {
			out[id] = time.UnixMilli(int64(z.Score)).UTC()
		}
	}
	return out, nil
}

// retagKeep is how long a tag change is remembered: far longer than any poll interval.
const retagKeep = 24 * time.Hour
