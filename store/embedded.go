package store

import (
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Embedded is an in-process Redis-compatible server (miniredis) with a
// client connected to it over real RESP on TCP. It is the default store when
// REDIS_URL is unset, so the same code runs with and without a Redis server.
//
// Limits, by design: it is single-replica (state lives in this process, so
// two replicas would not see each other's claims, approvals or leader lock)
// and not durable (everything is lost on restart). TTLs follow the wall
// clock; expired keys are removed lazily, whenever the next command runs.
// It listens on 127.0.0.1 only and requires a random password that only its
// own client knows.
type Embedded struct {
	srv       *miniredis.Miniredis
	client    *redis.Client
	stop      chan struct{}
	stopped   chan struct{}
	closeOnce sync.Once
}

// StartEmbedded starts the embedded server on 127.0.0.1 on a free port and
// connects a client to it. Close stops both.
//
// TTLs follow the wall clock: a goroutine moves the server's clock forward
// once a second. (miniredis's ClockTTL mode does the same on every command,
// but sorts every key each time, which costs milliseconds per command once a
// few thousand alert records exist.)
func StartEmbedded() (*Embedded, error) {
	return startEmbedded(time.Second)
}

func startEmbedded(tick time.Duration) (*Embedded, error) {
	srv := miniredis.NewMiniRedis()
	password := rand.Text()
	srv.RequireAuth(password)
	if err := srv.StartAddr("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("store: start embedded redis: %w", err)
	}
	client := redis.NewClient(&redis.Options{
		Addr:                  srv.Addr(),
		Password:              password,
		DialTimeout:           DefaultDialTimeout,
		ReadTimeout:           DefaultReadTimeout,
		WriteTimeout:          DefaultWriteTimeout,
		DialerRetries:         DefaultDialerRetries,
		ContextTimeoutEnabled: true,
	})
	e := &Embedded{srv: srv, client: client, stop: make(chan struct{}), stopped: make(chan struct{})}
	go e.runClock(tick)
	return e, nil
}

// runClock moves the server's TTL clock forward by the real time that passed.
func (e *Embedded) runClock(tick time.Duration) {
	defer close(e.stopped)
	t := time.NewTicker(tick)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-e.stop:
			return
		case now := <-t.C:
			if d := now.Sub(last); d > 0 {
				e.srv.FastForward(d)
				last = now
			}
		}
	}
}

// Addr is the server's host:port, for logs.
func (e *Embedded) Addr() string { return e.srv.Addr() }

// Client is the client connected to the server. Embedded owns it: Close
// closes it, callers must not.
func (e *Embedded) Client() redis.UniversalClient { return e.client }

// FastForward makes every TTL d shorter at once, expiring what falls to zero.
// Tests use it to prove expiry without waiting.
func (e *Embedded) FastForward(d time.Duration) { e.srv.FastForward(d) }

// SetTime fixes the time the server's TIME answers (and so the scripts' clock) at t, until the
// next SetTime; TTLs are not moved (FastForward moves them). Tests use it to prove that the
// server's clock, not a replica's, decides expiry.
func (e *Embedded) SetTime(t time.Time) { e.srv.SetTime(t) }

// Close closes the client and stops the server; all data is gone afterwards.
// Closing twice is harmless.
func (e *Embedded) Close() error {
	e.closeOnce.Do(func() { close(e.stop); <-e.stopped })
	err := e.client.Close()
	e.srv.Close()
	if err != nil && !errors.Is(err, redis.ErrClosed) {
		return fmt.Errorf("store: close embedded redis client: %w", err)
	}
	return nil
}
