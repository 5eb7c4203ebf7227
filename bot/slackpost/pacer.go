// Package slackpost paces the bot's own posts to Slack channels: at most about one message a
// second per channel (with short bursts), and every 429 waited out for as long as Slack's
// Retry-After says, so that a rate limit delays a message and never loses it. It must not
// decide what is posted or where (the features do), and imports nothing else of mdebot.
package slackpost

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"golang.org/x/time/rate"
)

// Pacer spaces the calls to each channel (Slack allows about one message a second per
// channel, with short bursts) and waits out every 429 for as long as Slack asks, trying again:
// a rate limit delays a message, never loses it.
type Pacer struct {
	every   rate.Limit
	burst   int
	sleep   func(ctx context.Context, d time.Duration) error
	mu      sync.Mutex
	limits  map[string]*rate.Limiter // one per channel posted to (the configured channels)
	limited int64                    // 429s waited out, for status
	last    time.Duration            // the last of those waits
}

// NewPacer returns a pacer allowing every calls a second to each channel, in bursts of up to
// burst, that waits with sleep (Sleep in production).
func NewPacer(every rate.Limit, burst int, sleep func(context.Context, time.Duration) error) *Pacer {
	return &Pacer{every: every, burst: max(1, burst), sleep: sleep, limits: map[string]*rate.Limiter{}}
}

func (p *Pacer) limiter(channel string) *rate.Limiter {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.limits[channel]
	if l == nil {
		l = rate.NewLimiter(p.every, p.burst)
		p.limits[channel] = l
	}
	return l
}

// minRetryAfter is the wait after a 429 that named none.
const minRetryAfter = time.Second

// Do runs call against channel when the channel's pace allows and ready (when not nil) returns
// nil, again after each 429. It returns the first other error of call, ready's error, or ctx's.
func (p *Pacer) Do(ctx context.Context, channel string, ready func() error, call func(ctx context.Context) error) error {
	lim := p.limiter(channel)
	for {
		if err := lim.Wait(ctx); err != nil {
			return err
		}
		if ready != nil {
			if err := ready(); err != nil {
				return err
			}
		}
		err := call(ctx)
		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) {
			return err
		}
		wait := max(rl.RetryAfter, minRetryAfter)
		p.mu.Lock()
		p.limited++
		p.last = wait
		p.mu.Unlock()
		if err := p.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// RateLimited returns how many 429s were waited out and the last wait.
func (p *Pacer) RateLimited() (int64, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.limited, p.last
}

// Sleep waits d or until ctx ends.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
