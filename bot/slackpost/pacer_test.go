package slackpost

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"golang.org/x/time/rate"
)

func TestPacerWaitsOutRetryAfter(t *testing.T) {
	t.Parallel()
	var waits []time.Duration
	sleep := func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	p := NewPacer(rate.Inf, 1, sleep)
	calls := 0
	err := p.Do(t.Context(), "C1", nil, func(context.Context) error {
		calls++
		switch calls {
		case 1:
			return &slack.RateLimitedError{RetryAfter: 7 * time.Second}
		case 2:
			return &slack.RateLimitedError{} // no Retry-After: the minimum wait
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("Do = %v after %d calls; want nil after 3", err, calls)
	}
	if len(waits) != 2 || waits[0] != 7*time.Second || waits[1] != minRetryAfter {
		t.Errorf("waits = %v; want [7s %v]", waits, minRetryAfter)
	}
	if n, last := p.RateLimited(); n != 2 || last != minRetryAfter {
		t.Errorf("RateLimited = %d, %v", n, last)
	}
}

func TestPacerStopsWhenNotReady(t *testing.T) {
	t.Parallel()
	stop := errors.New("stop")
	p := NewPacer(rate.Inf, 1, Sleep)
	called := false
	err := p.Do(t.Context(), "C1", func() error { return stop }, func(context.Context) error { called = true; return nil })
	if !errors.Is(err, stop) || called {
		t.Fatalf("Do = %v, called %v; want the ready error and no call", err, called)
	}
	other := errors.New("channel_not_found")
	if err := p.Do(t.Context(), "C1", nil, func(context.Context) error { return other }); !errors.Is(err, other) {
		t.Fatalf("Do = %v; want the call's own error at once", err)
	}
}
