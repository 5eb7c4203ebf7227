package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// A claim key holds "pending:<owner>" while its lease runs and
// "done:<owner>" once confirmed; both states always carry a TTL.
const (
	claimKind = "claim"
	onceKind  = "once"
	pending   = "pending:"
	done      = "done:"
)

// confirmScript marks a claim done and sets its retention TTL, only if the
// caller owns it. Returns 1 on success, 0 if the key is gone, -1 if another
// owner holds it. Confirming twice is allowed and refreshes the TTL.
const confirmScript = `
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
if v == 'pending:' .. ARGV[1] or v == 'done:' .. ARGV[1] then
  redis.call('SET', KEYS[1], 'done:' .. ARGV[1], 'PX', ARGV[2])
  return 1
end
return -1`

// releaseScript deletes a pending claim the caller owns. Returns 1 when
// deleted, 0 if the key is gone, -1 if another owner holds it, -2 if it is
// confirmed.
const releaseScript = `
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
if v == 'pending:' .. ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
if string.sub(v, 1, 5) == 'done:' then return -2 end
return -1`

// Claim tries to take key for owner for the length of lease, so that only one
// worker (on any replica) handles it. It returns false when someone holds a
// lease on key or key was confirmed and its retention has not ended. The
// owner then calls Confirm after the work succeeded or Release after it
// failed; if it does neither, the lease expires and another owner can claim.
// Owner should be unique per attempt (e.g. replica name plus a random id).
func (s *Store) Claim(ctx context.Context, key, owner string, lease time.Duration) (bool, error) {
	if err := checkArgs(key, owner, lease); err != nil {
		return false, fmt.Errorf("store: claim: %w", err)
	}
	ok, err := s.rdb.SetNX(ctx, s.key(claimKind, key), pending+owner, lease).Result()
	return ok, wrap("claim", err)
}

// Confirm records that owner finished the work for key, and keeps that record
// for ttl: until then Claim on key returns false. It fails with ErrNotOwned
// if another owner holds key and with ErrNotFound if key no longer exists
// (the lease ran out); in that case the caller may Claim again and Confirm.
// Confirming an already confirmed claim again refreshes its ttl.
func (s *Store) Confirm(ctx context.Context, key, owner string, ttl time.Duration) error {
	if err := checkArgs(key, owner, ttl); err != nil {
		return fmt.Errorf("store: confirm: %w", err)
	}
	n, err := s.confirm.Run(ctx, s.rdb, []string{s.key(claimKind, key)}, owner, ttl.Milliseconds()).Int()
	switch {
	case err != nil:
		return wrap("confirm", err)
	case n == 0:
		return fmt.Errorf("store: confirm: %w", ErrNotFound)
	case n < 0:
		return fmt.Errorf("store: confirm: %w", ErrNotOwned)
	}
	return nil
}

// Release gives up owner's pending claim on key so that another owner can
// claim it at once (use it when the work failed and should be retried). It is
// a no-op when key no longer exists, fails with ErrNotOwned when another
// owner holds key and with ErrConfirmed when the claim was confirmed.
func (s *Store) Release(ctx context.Context, key, owner string) error {
	if err := checkArgs(key, owner, time.Millisecond); err != nil {
		return fmt.Errorf("store: release: %w", err)
	}
	n, err := s.release.Run(ctx, s.rdb, []string{s.key(claimKind, key)}, owner).Int()
	switch {
	case err != nil:
		return wrap("release", err)
	case n == -1:
		return fmt.Errorf("store: release: %w", ErrNotOwned)
	case n == -2:
		return fmt.Errorf("store: release: %w", ErrConfirmed)
	}
	return nil
}

// Done reports whether key was claimed and confirmed and its retention has
// not ended.
func (s *Store) Done(ctx context.Context, key string) (bool, error) {
	if key == "" {
		return false, errors.New("store: done: empty key")
	}
	v, err := s.rdb.Get(ctx, s.key(claimKind, key)).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, wrap("done", err)
	}
	return strings.HasPrefix(v, done), nil
}

// Once reports whether this is the first time key was seen within ttl, for
// dropping repeated deliveries such as Slack event retries. There is no
// lease: the first caller wins for the whole ttl.
func (s *Store) Once(ctx context.Context, key string, ttl time.Duration) (first bool, err error) {
	if err := checkArgs(key, "-", ttl); err != nil {
		return false, fmt.Errorf("store: once: %w", err)
	}
	first, err = s.rdb.SetNX(ctx, s.key(onceKind, key), "1", ttl).Result()
	return first, wrap("once", err)
}

// checkArgs rejects empty names and durations Redis cannot store as a TTL
// (every key this package writes must expire).
func checkArgs(key, owner string, d time.Duration) error {
	switch {
	case key == "":
		return errors.New("empty key")
	case owner == "":
		return errors.New("empty owner")
	case d < time.Millisecond:
		return fmt.Errorf("duration %v is under 1ms, and every key needs a TTL", d)
	}
	return nil
}
