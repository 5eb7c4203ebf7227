package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mdebot/mdebot/store"
	"github.com/mdebot/mdebot/store/storetest"
)

const (
	lease     = 30 * time.Second
	retention = 24 * time.Hour
)

// TestDedupContract runs the claim/confirm/release/once contract against
// every server storetest offers (embedded always, real Redis when configured).
func TestDedupContract(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range []struct {
				name string
				run  func(t *testing.T, ctx context.Context, st *store.Store, srv storetest.Server)
			}{
				{"ClaimConfirm", testClaimConfirm},
				{"ConfirmByOtherOwner", testConfirmByOtherOwner},
				{"Release", testRelease},
				{"ConcurrentClaims", testConcurrentClaims},
				{"LeaseExpiry", testLeaseExpiry},
				{"RetentionExpiry", testRetentionExpiry},
				{"ConfirmMissing", testConfirmMissing},
				{"Once", testOnce},
				{"BadArguments", testBadArguments},
			} {
				// Sequential: FastForward moves every key on the server.
				t.Run(tc.name, func(t *testing.T) {
					// A prefix per case keeps the cases' keys apart; it stays
					// under srv.Prefix so storetest's cleanup finds them.
					c := srv
					c.Prefix = srv.Prefix + ":" + tc.name
					tc.run(t, t.Context(), store.New(c.Client, c.Prefix), c)
					assertAllKeysExpire(t, srv)
				})
			}
		})
	}
}

func testClaimConfirm(t *testing.T, ctx context.Context, st *store.Store, srv storetest.Server) {
	mustClaim(t, st, "alert:1:v1", "a", lease, true)
	mustClaim(t, st, "alert:1:v1", "b", lease, false)
	mustClaim(t, st, "alert:1:v1", "a", lease, false) // a lease is not re-entrant
	assertPTTL(t, srv, srv.Prefix+":claim:alert:1:v1", lease)
	mustDone(t, st, "alert:1:v1", false)

	if err := st.Confirm(ctx, "alert:1:v1", "a", retention); err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	mustDone(t, st, "alert:1:v1", true)
	assertPTTL(t, srv, srv.Prefix+":claim:alert:1:v1", retention)
	mustClaim(t, st, "alert:1:v1", "b", lease, false)
	if err := st.Release(ctx, "alert:1:v1", "a"); !errors.Is(err, store.ErrConfirmed) {
		t.Fatalf("Release after Confirm = %v, want ErrConfirmed", err)
	}
	if err := st.Confirm(ctx, "alert:1:v1", "a", retention); err != nil {
		t.Fatalf("second Confirm by the owner = %v, want nil", err)
	}
	mustDone(t, st, "alert:1:v1", true)
}

func testConfirmByOtherOwner(t *testing.T, ctx context.Context, st *store.Store, _ storetest.Server) {
	mustClaim(t, st, "k", "a", lease, true)
	if err := st.Confirm(ctx, "k", "b", retention); !errors.Is(err, store.ErrNotOwned) {
		t.Fatalf("Confirm by non-owner = %v, want ErrNotOwned", err)
	}
	if store.IsUnavailable(store.ErrNotOwned) {
		t.Error("ErrNotOwned counted as unavailable")
	}
	mustDone(t, st, "k", false)
	if err := st.Confirm(ctx, "k", "a", retention); err != nil {
		t.Fatalf("Confirm by owner after refused one: %v", err)
	}
}

func testRelease(t *testing.T, ctx context.Context, st *store.Store, _ storetest.Server) {
	mustClaim(t, st, "k", "a", lease, true)
	if err := st.Release(ctx, "k", "b"); !errors.Is(err, store.ErrNotOwned) {
		t.Fatalf("Release by non-owner = %v, want ErrNotOwned", err)
	}
	mustClaim(t, st, "k", "b", lease, false)
	if err := st.Release(ctx, "k", "a"); err != nil {
		t.Fatalf("Release by owner: %v", err)
	}
	mustClaim(t, st, "k", "b", lease, true)
	if err := st.Release(ctx, "never-claimed", "a"); err != nil {
		t.Fatalf("Release of a missing claim = %v, want nil", err)
	}
}

func testConcurrentClaims(t *testing.T, ctx context.Context, st *store.Store, _ storetest.Server) {
	var wins atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Go(func() {
			ok, err := st.Claim(ctx, "contended", fmt.Sprintf("owner-%d", i), lease)
			if err != nil {
				errs <- err
			}
			if ok {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Claim: %v", err)
	}
	if got := wins.Load(); got != 1 {
		t.Fatalf("%d of 50 concurrent claims won, want exactly 1", got)
	}
}

func testLeaseExpiry(t *testing.T, ctx context.Context, st *store.Store, srv storetest.Server) {
	mustClaim(t, st, "lease", "a", lease, true)
	if srv.FastForward == nil {
		// Real Redis: expiry is Redis's job; check the lease is what we asked.
		assertPTTL(t, srv, srv.Prefix+":claim:lease", lease)
		return
	}
	srv.FastForward(lease - time.Millisecond)
	mustClaim(t, st, "lease", "b", lease, false)
	srv.FastForward(time.Millisecond)
	mustClaim(t, st, "lease", "b", lease, true)
	if err := st.Confirm(ctx, "lease", "a", retention); !errors.Is(err, store.ErrNotOwned) {
		t.Fatalf("Confirm by the owner whose lease ran out = %v, want ErrNotOwned", err)
	}
}

func testRetentionExpiry(t *testing.T, ctx context.Context, st *store.Store, srv storetest.Server) {
	mustClaim(t, st, "kept", "a", lease, true)
	if err := st.Confirm(ctx, "kept", "a", retention); err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	if srv.FastForward == nil {
		assertPTTL(t, srv, srv.Prefix+":claim:kept", retention)
		return
	}
	srv.FastForward(retention - time.Second)
	mustClaim(t, st, "kept", "b", lease, false)
	srv.FastForward(time.Second)
	mustDone(t, st, "kept", false)
	mustClaim(t, st, "kept", "b", lease, true)
}

func testConfirmMissing(t *testing.T, ctx context.Context, st *store.Store, srv storetest.Server) {
	if err := st.Confirm(ctx, "never-claimed", "a", retention); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Confirm of a missing claim = %v, want ErrNotFound", err)
	}
	if srv.FastForward == nil {
		return
	}
	mustClaim(t, st, "lapsed", "a", lease, true)
	srv.FastForward(lease)
	if err := st.Confirm(ctx, "lapsed", "a", retention); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Confirm after the lease lapsed = %v, want ErrNotFound", err)
	}
}

func testOnce(t *testing.T, ctx context.Context, st *store.Store, srv storetest.Server) {
	const ttl = 10 * time.Minute
	for i, want := range []bool{true, false, false} {
		first, err := st.Once(ctx, "Ev123", ttl)
		if err != nil || first != want {
			t.Fatalf("Once #%d = %v, %v; want %v, nil", i+1, first, err, want)
		}
	}
	assertPTTL(t, srv, srv.Prefix+":once:Ev123", ttl)
	if srv.FastForward == nil {
		return
	}
	srv.FastForward(ttl)
	if first, err := st.Once(ctx, "Ev123", ttl); err != nil || !first {
		t.Fatalf("Once after the TTL = %v, %v; want true, nil", first, err)
	}
}

func testBadArguments(t *testing.T, ctx context.Context, st *store.Store, _ storetest.Server) {
	for name, err := range map[string]error{
		"claim zero lease":   second(st.Claim(ctx, "k", "a", 0)),
		"claim empty owner":  second(st.Claim(ctx, "k", "", lease)),
		"claim empty key":    second(st.Claim(ctx, "", "a", lease)),
		"confirm sub-ms ttl": st.Confirm(ctx, "k", "a", time.Microsecond),
		"release no owner":   st.Release(ctx, "k", ""),
		"done empty key":     second(st.Done(ctx, "")),
		"once negative ttl":  second(st.Once(ctx, "k", -time.Second)),
	} {
		if err == nil || store.IsUnavailable(err) {
			t.Errorf("%s: err = %v, want an argument error", name, err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func mustClaim(t *testing.T, st *store.Store, key, owner string, d time.Duration, want bool) {
	t.Helper()
	got, err := st.Claim(t.Context(), key, owner, d)
	if err != nil || got != want {
		t.Fatalf("Claim(%q, %q) = %v, %v; want %v, nil", key, owner, got, err, want)
	}
}

func mustDone(t *testing.T, st *store.Store, key string, want bool) {
	t.Helper()
	got, err := st.Done(t.Context(), key)
	if err != nil || got != want {
		t.Fatalf("Done(%q) = %v, %v; want %v, nil", key, got, err, want)
	}
}

// assertPTTL checks that key expires, and no later than max from now.
func assertPTTL(t *testing.T, srv storetest.Server, key string, max time.Duration) {
	t.Helper()
	got, err := srv.Client.PTTL(t.Context(), key).Result()
	if err != nil {
		t.Fatalf("PTTL %s: %v", key, err)
	}
	if got <= 0 || got > max {
		t.Fatalf("PTTL %s = %v, want in (0, %v]", key, got, max)
	}
}

// assertAllKeysExpire checks that every key the test wrote has a TTL.
func assertAllKeysExpire(t *testing.T, srv storetest.Server) {
	t.Helper()
	ctx := t.Context()
	keys, err := srv.Client.Keys(ctx, srv.Prefix+":*").Result()
	if err != nil {
		t.Fatalf("KEYS: %v", err)
	}
	for _, k := range keys {
		if d, err := srv.Client.PTTL(ctx, k).Result(); err != nil || d <= 0 {
			t.Errorf("key %s has PTTL %v (err %v), want a TTL", k, d, err)
		}
	}
}
