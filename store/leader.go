package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bsm/redislock"
	"github.com/redis/go-redis/v9"
)

// A leader lock (github.com/bsm/redislock: SET NX PX with a random token, refreshed and
// released by check-and-set scripts) elects one replica for a job such as the alert poller.
// Every time it changes hands a fencing epoch is incremented (INCR), and writes that only the
// leader may make check it in the same script, so a stale leader (paused, partitioned) cannot
// overwrite what the new one wrote. The lock, its epoch and the job's own keys share one hash
// tag, so those scripts also work in Redis Cluster.

// ErrNotLeader reports that another replica holds the lock, or that a leader lost it (it expired
// or a newer leader's epoch fenced the write out).
var ErrNotLeader = errors.New("store: not the leader")

// epochTTL keeps the epoch counter far longer than any lock, and is refreshed on every
// election. A counter that expired after a long quiet time starts again at 1, which cannot
// match a stale leader's epoch from back then in practice.
const epochTTL = 30 * 24 * time.Hour

// Leader is a held leader lock.
type Leader struct {
	s     *Store
	name  string
	lock  *redislock.Lock
	epoch int64
	ttl   time.Duration
}

func (s *Store) leaderKey(name string) string { return s.key("leader", hashTag(name)) }
func (s *Store) epochKey(name string) string  { return s.key("leader-epoch", hashTag(name)) }

// ObtainLeader takes the lock of job name for ttl, on behalf of owner (shown by LeaderOf). It
// returns ErrNotLeader when another replica holds it; it does not wait.
func (s *Store) ObtainLeader(ctx context.Context, name, owner string, ttl time.Duration) (*Leader, error) {
	if name == "" || owner == "" || ttl < time.Millisecond {
		return nil, errors.New("store: obtain leader: a name, an owner and a ttl are required")
	}
	lock, err := redislock.New(s.rdb).Obtain(ctx, s.leaderKey(name), ttl, &redislock.Options{Metadata: "|" + owner})
	switch {
	case errors.Is(err, redislock.ErrNotObtained):
		return nil, ErrNotLeader
	case err != nil:
		return nil, wrap("obtain leader", err)
	}
	var incr *redis.IntCmd
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		incr = p.Incr(ctx, s.epochKey(name))
		p.PExpire(ctx, s.epochKey(name), epochTTL)
		return nil
	})
	if err != nil {
		// Without an epoch the lock is useless; give it back so another replica can try.
		_ = lock.Release(context.WithoutCancel(ctx))
		return nil, wrap("obtain leader", err)
	}
	return &Leader{s: s, name: name, lock: lock, epoch: incr.Val(), ttl: ttl}, nil
}

// Epoch is the fencing epoch this leadership got.
func (l *Leader) Epoch() int64 { return l.epoch }

// TTL is the lock's time to live.
func (l *Leader) TTL() time.Duration { return l.ttl }

// Refresh extends the lock by its ttl. It returns ErrNotLeader when the lock expired or was
// taken; other errors (Redis unreachable) leave the question open until the lock would expire.
func (l *Leader) Refresh(ctx context.Context) error {
	err := l.lock.Refresh(ctx, l.ttl, nil)
	if errors.Is(err, redislock.ErrNotObtained) {
		return ErrNotLeader
	}
	return wrap("refresh leader", err)
}

// Release gives the lock up at once, so another replica can take over without waiting for it to
// expire. Releasing a lock that already expired is not an error.
func (l *Leader) Release(ctx context.Context) error {
	err := l.lock.Release(ctx)
	if errors.Is(err, redislock.ErrLockNotHeld) {
		return nil
	}
	return wrap("release leader", err)
}

// LeaderOf returns the owner holding job name's lock, or ErrNotFound when nobody does.
func (s *Store) LeaderOf(ctx context.Context, name string) (string, error) {
	v, err := s.rdb.Get(ctx, s.leaderKey(name)).Result()
	if err != nil {
		return "", wrap("leader of", err)
	}
	_, owner, ok := strings.Cut(v, "|")
	if !ok {
		return "", fmt.Errorf("store: leader of: %w", ErrNotFound)
	}
	return owner, nil
}

// LeaderTTL returns how long job name's lock has left on the Redis server, or ErrNotFound when
// nobody holds it. A follower uses it to try again the moment a dead leader's lock runs out.
func (s *Store) LeaderTTL(ctx context.Context, name string) (time.Duration, error) {
	d, err := s.rdb.PTTL(ctx, s.leaderKey(name)).Result()
	if err != nil {
		return 0, wrap("leader ttl", err)
	}
	if d < 0 {
		return 0, fmt.Errorf("store: leader ttl: %w", ErrNotFound)
	}
	return d, nil
}
