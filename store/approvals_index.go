package store

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// The approval indexes are sorted sets that tell the sweeper where to look:
// pending requests by expiry, active ones (approved or executing) by when they
// got there, and done ones whose MDE action is still followed. They are hints
// kept next to the records, not inside the transition scripts (in Cluster a
// script may only touch keys of one slot): the record is the truth, an index
// entry without its record is dropped, and an entry left behind by a failed
// write is found and cleared by the next pass.

// indexTTL keeps an index alive while it is used; each write renews it.
const indexTTL = 2 * ApprovalRetention

func (s *Store) pendingIndex() string   { return s.key("approvals", "pending") }
func (s *Store) activeIndex() string    { return s.key("approvals", "active") }
func (s *Store) followingIndex() string { return s.key("approvals", "following") }
func (s *Store) timedIndex() string     { return s.key("approvals", "timed") }

func (s *Store) indexAdd(ctx context.Context, key, id string, score float64) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, key, redis.Z{Score: score, Member: id})
		p.PExpire(ctx, key, indexTTL)
		return nil
	})
	return wrap("index approval", err)
}

func (s *Store) indexRemove(ctx context.Context, key, id string) error {
	return wrap("unindex approval", s.rdb.ZRem(ctx, key, id).Err())
}

// DueApprovals returns up to limit pending requests whose expiry is at or
// before now, soonest first.
func (s *Store) DueApprovals(ctx context.Context, now time.Time, limit int) ([]string, error) {
	return s.indexRange(ctx, "due approvals", s.pendingIndex(), now, limit)
}

// ActiveApprovals returns up to limit requests that were approved or started
// executing at or before since, and have not finished.
func (s *Store) ActiveApprovals(ctx context.Context, since time.Time, limit int) ([]string, error) {
	return s.indexRange(ctx, "active approvals", s.activeIndex(), since, limit)
}

// FollowedApprovals returns up to limit done requests whose MDE action has
// not reached a final status, longest followed first.
func (s *Store) FollowedApprovals(ctx context.Context, limit int) ([]string, error) {
	ids, err := s.rdb.ZRange(ctx, s.followingIndex(), 0, int64(max(limit, 1))-1).Result()
	return ids, wrap("followed approvals", err)
}

// FollowApproval (re)starts following a request, e.g. a collection whose package link is not
// posted yet.
func (s *Store) FollowApproval(ctx context.Context, id string, now time.Time) error {
	return s.indexAdd(ctx, s.followingIndex(), id, float64(ms(now)))
}

// UnfollowApproval stops following a request's MDE action (it is gone, or
// was found final).
func (s *Store) UnfollowApproval(ctx context.Context, id string) error {
	return s.indexRemove(ctx, s.followingIndex(), id)
}

// ForgetApproval drops an id from every index, for an index entry whose
// record no longer exists.
func (s *Store) ForgetApproval(ctx context.Context, id string) error {
	var errs []error
	for _, k := range []string{s.pendingIndex(), s.activeIndex(), s.followingIndex(), s.timedIndex()} {
		errs = append(errs, s.indexRemove(ctx, k, id))
	}
	return errors.Join(errs...)
}

// LeaveActive drops a request from the active index (it was found in a
// state that is no longer active).
func (s *Store) LeaveActive(ctx context.Context, id string) error {
	return s.indexRemove(ctx, s.activeIndex(), id)
}

func (s *Store) indexRange(ctx context.Context, op, key string, upTo time.Time, limit int) ([]string, error) {
	ids, err := s.rdb.ZRangeByScore(ctx, key, &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(ms(upTo), 10), Count: int64(max(limit, 1)),
	}).Result()
	return ids, wrap(op, err)
}
