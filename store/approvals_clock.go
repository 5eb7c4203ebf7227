package store

import "time"

// WithCallerClockForTests makes the scripts decide expiry, the end of a containment, the leases
// of release claims and the pace of polls by the clock of the caller (the now each method is
// given) instead of the Redis server's TIME. It is for tests and the demo, which compress time
// with an injected clock that the server's clock cannot follow (a real Redis cannot be moved).
// `mdebot run` never sets it: there, a replica whose clock is far off can neither approve an
// expired request nor expire a live one early (cmd/mdebot TestRunDecidesByServerClock). The
// execution lease and its takeover keep the server's clock either way.
func WithCallerClockForTests() Option {
	return func(s *Store) { s.callerClock = true }
}

// clock is the clock argument of a script (clock_ms in executions_lua.go): 0, the server's
// TIME, unless the store decides by the caller's clock.
func (s *Store) clock(now time.Time) int64 {
	if s.callerClock {
		return ms(now)
	}
	return 0
}
