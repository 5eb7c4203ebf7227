// Package storetest gives every package's tests the Redis servers to run
// against: the embedded server always, and a real Redis as well when the
// environment variable MDEBOT_TEST_REDIS_URL is set (CI sets it), e.g.
//
//	MDEBOT_TEST_REDIS_URL=redis://127.0.0.1:6379/0 go test ./...
//
// Write tests as one contract run per server:
//
//	for _, srv := range storetest.Servers(t) {
//		t.Run(srv.Name, func(t *testing.T) {
//			st := store.New(srv.Client, srv.Prefix)
//			...
//		})
//	}
//
// Every Server has its own key prefix, so parallel tests and packages that
// share the real server never see each other's keys, and the prefix's keys
// are deleted when the test ends. The real server's database is never
// flushed.
package storetest

import (
	"context"
	"crypto/rand"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mdebot/mdebot/store"
)

// EnvURL names the environment variable holding a real Redis URL for tests.
const EnvURL = "MDEBOT_TEST_REDIS_URL"

// Server is one Redis server to run a test against.
type Server struct {
	// Name is "embedded" or "redis", for t.Run.
	Name string
	// Client is connected to the server; it is closed when the test ends.
	Client redis.UniversalClient
	// Prefix is unique to this test; pass it to store.New.
	Prefix string
	// FastForward shortens every TTL on the server by d, expiring keys
	// without waiting. It is nil for a real Redis, where tests should check
	// TTLs with PTTL instead.
	FastForward func(d time.Duration)
	// SetTime fixes the time the server's TIME answers (the scripts' clock) at t. It is nil
	// for a real Redis, whose clock runs on its own.
	SetTime func(t time.Time)
}

// Servers returns the embedded server, plus a real Redis when
// MDEBOT_TEST_REDIS_URL is set. It fails the test if that Redis cannot be
// reached.
func Servers(t testing.TB) []Server {
	t.Helper()
	emb, err := store.StartEmbedded()
	if err != nil {
		t.Fatalf("start embedded redis: %v", err)
	}
	t.Cleanup(func() { _ = emb.Close() })
	servers := []Server{{Name: "embedded", Client: emb.Client(), Prefix: Prefix(t), FastForward: emb.FastForward, SetTime: emb.SetTime}}

	raw := os.Getenv(EnvURL)
	if raw == "" {
		return servers
	}
	rdb, err := store.Open(t.Context(), raw, store.OpenOptions{})
	if err != nil {
		t.Fatalf("%s: %v", EnvURL, err)
	}
	prefix := Prefix(t)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), 10*time.Second)
		defer cancel()
		if err := deletePrefix(ctx, rdb, prefix); err != nil {
			t.Errorf("clean up keys %s:*: %v", prefix, err)
		}
		_ = rdb.Close()
	})
	return append(servers, Server{Name: "redis", Client: rdb, Prefix: prefix})
}

// Prefix returns a key prefix no other test uses, such as
// "mdebottest-3JFQ...". It contains no glob or hash-tag characters.
func Prefix(t testing.TB) string {
	t.Helper()
	return "mdebottest-" + strings.ToLower(rand.Text())
}

// deletePrefix removes every key under prefix, on every master of a Cluster.
func deletePrefix(ctx context.Context, rdb redis.UniversalClient, prefix string) error {
	scan := func(ctx context.Context, c *redis.Client) error {
		iter := c.Scan(ctx, 0, prefix+":*", 500).Iterator()
		for iter.Next(ctx) {
			if err := c.Unlink(ctx, iter.Val()).Err(); err != nil {
				return err
			}
		}
		return iter.Err()
	}
	switch c := rdb.(type) {
	case *redis.ClusterClient:
		return c.ForEachMaster(ctx, scan)
	case *redis.Client:
		return scan(ctx, c)
	}
	return nil
}
