package store

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestEmbeddedTTLFollowsClock proves keys expire as the server's clock moves,
// fast-forwarding it instead of sleeping, and that the clock goroutine moves it.
func TestEmbeddedTTLFollowsClock(t *testing.T) {
	t.Parallel()
	e, err := StartEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	if !strings.HasPrefix(e.Addr(), "127.0.0.1:") {
		t.Errorf("Addr = %q, want 127.0.0.1:port", e.Addr())
	}
	st := New(e.Client(), "")
	ctx := t.Context()

	if ok, err := st.Claim(ctx, "k", "a", 10*time.Second); err != nil || !ok {
		t.Fatalf("Claim = %v, %v", ok, err)
	}
	if first, err := st.Once(ctx, "ev", time.Minute); err != nil || !first {
		t.Fatalf("Once = %v, %v", first, err)
	}
	e.FastForward(9 * time.Second)
	if ok, err := st.Claim(ctx, "k", "b", 10*time.Second); err != nil || ok {
		t.Fatalf("Claim before the lease ends = %v, %v; want false", ok, err)
	}
	e.FastForward(2 * time.Second)
	if ok, err := st.Claim(ctx, "k", "b", 10*time.Second); err != nil || !ok {
		t.Fatalf("Claim after the lease ended = %v, %v; want true", ok, err)
	}
	e.FastForward(2 * time.Minute)
	if n, err := e.Client().DBSize(ctx).Result(); err != nil || n != 0 {
		t.Fatalf("DBSIZE after all TTLs passed = %d, %v; want 0", n, err)
	}
}

// The clock goroutine expires keys as real time passes.
func TestEmbeddedClockTicks(t *testing.T) {
	t.Parallel()
	e, err := startEmbedded(time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	ctx := t.Context()
	if err := e.Client().Set(ctx, "short", "v", 5*time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	// Wait for the server's own clock, not a fixed time: the key must go on its own.
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		n, err := e.Client().Exists(ctx, "short").Result()
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal("the key never expired")
		case <-tick.C:
		}
	}
}

func TestEmbeddedRequiresItsPassword(t *testing.T) {
	t.Parallel()
	e, err := StartEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	other := redis.NewClient(&redis.Options{Addr: e.Addr(), MaxRetries: -1})
	t.Cleanup(func() { _ = other.Close() })
	if err := other.Set(t.Context(), "x", "y", time.Minute).Err(); err == nil {
		t.Fatal("a client without the password could write")
	}
	if err := e.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := e.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := e.Client().Ping(t.Context()).Err(); !errors.Is(err, redis.ErrClosed) {
		t.Fatalf("Ping after Close = %v, want redis.ErrClosed", err)
	}
}
