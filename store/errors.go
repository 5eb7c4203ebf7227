package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/redis/go-redis/v9"
)

// ErrNotFound reports that a key does not exist (or has expired). It is what
// the store returns in place of redis.Nil.
var ErrNotFound = errors.New("store: not found")

// ErrUnavailable reports that Redis could not be reached or could not serve
// the request (refused or dropped connection, timeout, failover in progress,
// rejected credentials). Callers that guard destructive work should fail
// closed on it. Test for it with IsUnavailable.
var ErrUnavailable = errors.New("redis unavailable")

// ErrNotOwned reports that a claim is held by another owner.
var ErrNotOwned = errors.New("store: claim held by another owner")

// ErrConfirmed reports that a claim was already confirmed and cannot be
// released.
var ErrConfirmed = errors.New("store: claim already confirmed")

// ErrInvalidURL reports a Redis URL that cannot be used. Its messages never
// contain the URL's password.
var ErrInvalidURL = errors.New("invalid redis URL")

// unavailablePrefixes are server replies that mean "cannot serve now", not
// "your request is wrong".
var unavailablePrefixes = []string{
	"LOADING ", "READONLY ", "MASTERDOWN ", "CLUSTERDOWN ", "TRYAGAIN ", "NOREPLICAS ",
	"NOAUTH ", "WRONGPASS ", "ERR max number of clients reached",
}

// unavailableMessages are go-redis client errors that mean no server was usable.
var unavailableMessages = []string{
	"all sentinels specified in configuration are unreachable",
	"redis: no sentinels configured",
	"redis: cluster has no nodes",
	"redis: connection is not usable",
	"redis: connection unusable",
}

// IsUnavailable reports whether err means Redis is down or unreachable (as
// opposed to a logic error such as ErrNotOwned). It recognises errors
// returned by this package and raw go-redis errors alike. A cancelled
// context is not unavailability; an exceeded deadline is.
func IsUnavailable(err error) bool {
	switch {
	case err == nil, errors.Is(err, redis.Nil), errors.Is(err, context.Canceled):
		return false
	case errors.Is(err, ErrUnavailable),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, redis.ErrClosed), errors.Is(err, redis.ErrPoolTimeout),
		errors.Is(err, redis.ErrPoolExhausted):
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	var redisErr redis.Error
	if errors.As(err, &redisErr) {
		msg := redisErr.Error()
		for _, p := range unavailablePrefixes {
			if strings.HasPrefix(msg, p) {
				return true
			}
		}
		return false
	}
	for _, m := range unavailableMessages {
		if strings.Contains(err.Error(), m) {
			return true
		}
	}
	return false
}

// wrap turns a go-redis error into this package's vocabulary: redis.Nil
// becomes ErrNotFound, connection trouble gains ErrUnavailable.
func wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, redis.Nil):
		return fmt.Errorf("store: %s: %w", op, ErrNotFound)
	case IsUnavailable(err) && !errors.Is(err, ErrUnavailable):
		return fmt.Errorf("store: %s: %w: %w", op, ErrUnavailable, err)
	default:
		return fmt.Errorf("store: %s: %w", op, err)
	}
}

// redactedError is an error whose text had secrets removed. It drops the
// original chain (whose text holds the secret) but keeps whether it meant
// "unavailable", so IsUnavailable still works.
type redactedError struct {
	msg         string
	unavailable bool
}

func (e *redactedError) Error() string { return e.msg }

// Is makes errors.Is(err, ErrUnavailable) true for redacted connection errors.
func (e *redactedError) Is(target error) bool { return e.unavailable && target == ErrUnavailable }

// redact returns err with every secret removed from its message. It returns
// err itself when no secret occurs in it.
func redact(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	msg := scrub(err.Error(), secrets)
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, unavailable: IsUnavailable(err)}
}

// scrub replaces each secret in s with "[redacted]".
func scrub(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}
