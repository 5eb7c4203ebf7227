package socket

import (
	"fmt"
	"sync"
	"time"
)

// userLimits keeps one person from taking the bot for everyone: at most perUser[lane] requests
// of theirs in a lane at once (waiting or running), and at most rate requests started in any
// minute. A request over either limit is refused with words that name the limit, never dropped.
type userLimits struct {
	now     func() time.Time
	rate    int // requests a minute; negative: no limit
	perUser [numLanes]int

	mu       sync.Mutex
	inFlight map[string]*[numLanes]int
	starts   map[string][]time.Time // the user's admitted requests of the last minute, oldest first
}

func newUserLimits(now func() time.Time, rate int, lanes [numLanes]*lane) *userLimits {
	u := &userLimits{now: now, rate: rate, inFlight: map[string]*[numLanes]int{}, starts: map[string][]time.Time{}}
	for i, ln := range lanes {
		u.perUser[i] = ln.opts.PerUser
	}
	return u
}

// laneWork says what a lane runs, in the words of a refusal.
var laneWork = [numLanes]string{Interactive: "clicks, approvals and actions", Lookups: "look-ups", Slow: "hunts"}

// admit takes a slot for user in lane l and returns "", or returns why it may not (mrkdwn).
func (u *userLimits) admit(user string, l Lane) string {
	now := u.now()
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.starts) > 10000 {
		u.sweepLocked(now)
	}
	n := u.inFlight[user]
	if n == nil {
		n = &[numLanes]int{}
		u.inFlight[user] = n
	}
	if limit := u.perUser[l]; limit > 0 && n[l] >= limit {
		return fmt.Sprintf("You have %d %s running; the limit is %d at a time. Nothing was run: try again when one has answered.",
			n[l], plural(n[l], "request for "+laneWork[l], "requests for "+laneWork[l]), limit)
	}
	recent := pruneBefore(u.starts[user], now.Add(-time.Minute))
	if u.rate > 0 && len(recent) >= u.rate {
		wait := recent[0].Add(time.Minute).Sub(now).Round(time.Second)
		u.starts[user] = recent
		return fmt.Sprintf("You sent more than %d commands a minute, the limit for one person. Nothing was run: try again in %s.", u.rate, max(wait, time.Second))
	}
	u.starts[user] = append(recent, now)
	n[l]++
	return ""
}

// done gives back the slot a finished request of user held in lane l.
func (u *userLimits) done(user string, l Lane) {
	u.mu.Lock()
	defer u.mu.Unlock()
	n := u.inFlight[user]
	if n == nil || n[l] == 0 {
		return
	}
	n[l]--
	if *n == ([numLanes]int{}) {
		delete(u.inFlight, user)
	}
}

// sweepLocked forgets the users with nothing of the last minute; u.mu must be held.
func (u *userLimits) sweepLocked(now time.Time) {
	for user, s := range u.starts {
		if s = pruneBefore(s, now.Add(-time.Minute)); len(s) == 0 {
			delete(u.starts, user)
		} else {
			u.starts[user] = s
		}
	}
}

// pruneBefore drops the times before t from a list sorted oldest first.
func pruneBefore(s []time.Time, t time.Time) []time.Time {
	i := 0
	for i < len(s) && !s[i].After(t) {
		i++
	}
	return s[i:]
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
