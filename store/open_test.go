package store_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/mdebot/mdebot/store"
)

const secret = "Hunter2-Sup3rS3cret"

// closedAddr returns a 127.0.0.1 address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// silentAddr returns the address of a server that accepts connections and
// never answers.
func silentAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns := make(chan net.Conn, 64)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns <- c
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		close(conns) // Accept has failed, so no more sends
		for c := range conns {
			_ = c.Close()
		}
	})
	return ln.Addr().String()
}

func TestOpen(t *testing.T) {
	t.Parallel()
	srv := miniredis.RunT(t)
	srv.RequireAuth(secret)
	rdb, err := store.Open(t.Context(), "redis://:"+secret+"@"+srv.Addr()+"/0", store.OpenOptions{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	if err := store.New(rdb, "").Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

func TestOpenUnavailable(t *testing.T) {
	t.Parallel()
	fast := store.OpenOptions{DialTimeout: 200 * time.Millisecond, ReadTimeout: 100 * time.Millisecond, MaxRetries: -1}
	wrongPw := miniredis.RunT(t)
	wrongPw.RequireAuth("the-right-one")
	for name, url := range map[string]string{
		"closed port":    "redis://:" + secret + "@" + closedAddr(t) + "/0",
		"silent server":  "redis://user:" + secret + "@" + silentAddr(t) + "/0",
		"wrong password": "redis://:" + secret + "@" + wrongPw.Addr() + "/0",
		"cluster":        "redis://:" + secret + "@" + closedAddr(t) + "," + closedAddr(t),
		"sentinel":       "redis+sentinel://:" + secret + "@" + closedAddr(t) + "/mymaster?sentinel_password=" + secret,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			start := time.Now()
			rdb, err := store.Open(ctx, url, fast)
			if err == nil {
				_ = rdb.Close()
				t.Fatal("Open succeeded, want an error")
			}
			if !store.IsUnavailable(err) || !errors.Is(err, store.ErrUnavailable) {
				t.Errorf("Open error %q: IsUnavailable false, want true", err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("Open error %q contains the password", err)
			}
			if ctx.Err() != nil {
				t.Errorf("Open took %v, past the test's deadline", time.Since(start))
			}
		})
	}
}

func TestStoreUnavailable(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{
		Addr: closedAddr(t), MaxRetries: -1, DialerRetries: 1, ContextTimeoutEnabled: true,
	})
	t.Cleanup(func() { _ = rdb.Close() })
	st := store.New(rdb, "")
	ctx := t.Context()
	for name, err := range map[string]error{
		"ping":    st.Ping(ctx),
		"claim":   second(st.Claim(ctx, "k", "a", time.Minute)),
		"confirm": st.Confirm(ctx, "k", "a", time.Minute),
		"release": st.Release(ctx, "k", "a"),
		"done":    second(st.Done(ctx, "k")),
		"once":    second(st.Once(ctx, "k", time.Minute)),
	} {
		if !store.IsUnavailable(err) || !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s against a closed port: %v, want ErrUnavailable", name, err)
		}
	}
}

func TestIsUnavailable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{redis.Nil, false},
		{store.ErrNotFound, false},
		{store.ErrNotOwned, false},
		{store.ErrConfirmed, false},
		{context.Canceled, false},
		{errors.New("ERR wrong number of arguments"), false},
		{store.ErrUnavailable, true},
		{fmt.Errorf("x: %w", store.ErrUnavailable), true},
		{context.DeadlineExceeded, true},
		{io.EOF, true},
		{redis.ErrClosed, true},
		{redis.ErrPoolTimeout, true},
		{&net.OpError{Op: "dial", Err: errors.New("connection refused")}, true},
		{errors.New("redis: all sentinels specified in configuration are unreachable"), true},
	} {
		if got := store.IsUnavailable(tc.err); got != tc.want {
			t.Errorf("IsUnavailable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
