// Package store keeps mdebot's shared state in Redis behind domain words:
// dedup claims for alerts and events, and the base that approvals, alert
// message references, the audit stream, the leader lock and the MDE rate
// budgets that replicas share (budgets.go) build on.
//
// Open turns REDIS_URL into a client (single node, Sentinel or Cluster);
// StartEmbedded runs an in-process Redis-compatible server for a single
// replica when no REDIS_URL is set. New wraps either client in a Store. Keys
// all start with one prefix, are built by one function and carry a TTL.
// Errors map redis.Nil to ErrNotFound and connection trouble to
// ErrUnavailable (see IsUnavailable), so callers can fail closed when Redis
// is down.
package store

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultPrefix starts every key when New is given an empty prefix.
const DefaultPrefix = "mdebot"

// Store is mdebot's state in Redis. It is safe for concurrent use. It does
// not own the client: whoever created the client closes it.
type Store struct {
	rdb             redis.UniversalClient
	prefix          string
	confirm         *redis.Script
	release         *redis.Script
	approvalScripts approvalScripts
	alertScripts    alertScripts
	execLease       time.Duration
	// callerClock makes the scripts decide by the caller's clock (WithCallerClockForTests).
	callerClock bool
}

// New returns a Store that keeps its keys under prefix (DefaultPrefix when
// empty), as "<prefix>:<kind>:<id>". Several deployments can share one Redis
// with different prefixes. The prefix should not contain '{' or '}', which
// Redis Cluster reads as a hash tag.
func New(rdb redis.UniversalClient, prefix string, opts ...Option) *Store {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	s := &Store{
		rdb:             rdb,
		prefix:          prefix,
		confirm:         redis.NewScript(confirmScript),
		release:         redis.NewScript(releaseScript),
		approvalScripts: newApprovalScripts(),
		alertScripts:    newAlertScripts(),
		execLease:       DefaultExecutionLease,
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Ping checks that Redis answers. Its error wraps ErrUnavailable when not.
func (s *Store) Ping(ctx context.Context) error {
	return wrap("ping", s.rdb.Ping(ctx).Err())
}

// key is the one place keys are built: "<prefix>:<kind>:<id>".
func (s *Store) key(kind, id string) string {
	return s.prefix + ":" + kind + ":" + id
}

// hashTag wraps id in braces so that Redis Cluster hashes only id: keys that
// one script touches together must all use the same tag, for example
// s.key("approval", hashTag(id)) and s.key("approval-votes", hashTag(id)).
func hashTag(id string) string {
	return "{" + id + "}"
}
