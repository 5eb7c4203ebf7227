package approvals

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/bot/slackpost"
	"github.com/mdebot/mdebot/commands"
	"github.com/slack-go/slack"
	"golang.org/x/time/rate"
)

// The audit mirror posts through the pacer like the alert poster: a 429 is waited out for as
// long as its Retry-After says and the entry is posted then, in order, never lost.
func TestAuditMirrorObeysRetryAfter(t *testing.T) {
	t.Parallel()
	sf := slackfake.New(t, slackfake.Options{})
	sf.RateLimit("chat.postMessage", 7*time.Second, 1)
	var waited []time.Duration
	pace := slackpost.NewPacer(rate.Inf, 1, func(ctx context.Context, d time.Duration) error { waited = append(waited, d); return ctx.Err() })
	api := slack.New(sf.BotToken(), slack.OptionAPIURL(sf.APIURL()))
	m := NewAuditMirror(api, "C0AUDIT", slog.New(slog.DiscardHandler), pace)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	for _, req := range []string{"req-1", "req-2", "req-3"} {
		m.Record(ctx, commands.AuditEntry{Time: time.Unix(1_700_000_000, 0), Event: "requested", Actor: "U1", Verb: "isolate", Request: req})
	}
	wctx, wcancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer wcancel()
	snap, err := sf.WaitFor(wctx, func(s *slackfake.Snapshot) bool { return len(s.Messages) == 3 })
	cancel()
	<-done
	if err != nil {
		t.Fatalf("entries not mirrored: %v", err)
	}
	for i, req := range []string{"req-1", "req-2", "req-3"} {
		if !strings.Contains(snap.Messages[i].Text, req) {
			t.Errorf("message %d = %q, want %s (in order)", i, snap.Messages[i].Text, req)
		}
	}
	if n, last := pace.RateLimited(); n != 1 || last != 7*time.Second || len(waited) != 1 || waited[0] != 7*time.Second {
		t.Errorf("429s waited out = %d (last %v, slept %v), want one of 7s", n, last, waited)
	}
}
