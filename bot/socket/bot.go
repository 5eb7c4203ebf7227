// Package socket is the socket-mode runtime: the event loop that acknowledges every envelope
// first and hands the work to a bounded pool of workers, turning slash commands and clicks into
// commands requests, running the button, modal and approval handlers the features register
// (bot/interact), the replies, and the connection's health and readiness. It holds no chat-ops
// logic (commands decides) and must not import a feature package (bot/alerts, bot/approvals):
// they plug in through the handlers they register, wired in cmd/mdebot.
package socket

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mdebot/mdebot/bot/interact"
	"github.com/mdebot/mdebot/commands"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// acker acknowledges a socket-mode envelope (socketmode.Client.AckCtx).
type acker interface {
	AckCtx(ctx context.Context, envelopeID string, payload any) error
}

// slackAPI is the part of the Web API the replies use.
type slackAPI interface {
	PostEphemeralContext(ctx context.Context, channelID, userID string, options ...slack.MsgOption) (string, error)
	OpenConversationContext(ctx context.Context, params *slack.OpenConversationParameters) (*slack.Channel, bool, bool, error)
	UploadFileContext(ctx context.Context, params slack.UploadFileParameters) (*slack.FileSummary, error)
}

// Options tune the bot. Zero values take the defaults.
type Options struct {
	// Workers run commands concurrently; default 16.
	Workers int
	// Queue is how many requests may wait for a worker; default 512. When it is full the user
	// is told the bot is busy, and the event loop still does not block.
	Queue int
	// AckTimeout bounds one ack; default 1 s (Slack allows 3 s from delivery).
	AckTimeout time.Duration
	// DrainTimeout is how long shutdown waits for work in flight; default 25 s.
	DrainTimeout time.Duration
	// JobTimeout bounds one request, from the worker picking it up to the reply; default 5 min
	// (a hunting query may run for minutes).
	JobTimeout time.Duration
	// HTTPClient posts to response URLs; default a client with a 10 s timeout.
	HTTPClient *http.Client
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Registerer receives the runtime's metrics (see metrics.go); nil for none.
	Registerer prometheus.Registerer
}

// Bot runs the socket-mode event loop.
type Bot struct {
	log     *slog.Logger
	events  <-chan socketmode.Event
	ack     acker
	api     slackAPI
	router  *commands.Router
	health  *Health
	opts    Options
	jobs    chan job
	replies chan struct{} // bounds the goroutines that tell users the bot is busy
	buttons map[string]interact.ButtonHandler
	views   map[string]interact.ViewHandler
	// active counts busy workers; lastStart is when a worker last picked up a job (UnixNano).
	active    atomic.Int32
	lastStart atomic.Int64
	// onApproval answers the responses that ask for an approval (HandleApproval sets it).
	onApproval interact.ApprovalHandler
	responder  interact.Responder
	metrics    *metrics
	// taken is when the event loop took the event it is handling (the loop's goroutine only).
	taken time.Time
}

// New returns a bot reading events from a socketmode.Client's Events channel.
func New(log *slog.Logger, events <-chan socketmode.Event, ack acker, api slackAPI, router *commands.Router, health *Health, opts Options) *Bot {
	if opts.Workers <= 0 {
		opts.Workers = 16
	}
	if opts.Queue <= 0 {
		opts.Queue = 512
	}
	if opts.AckTimeout <= 0 {
		opts.AckTimeout = time.Second
	}
	if opts.DrainTimeout <= 0 {
		opts.DrainTimeout = 25 * time.Second
	}
	if opts.JobTimeout <= 0 {
		opts.JobTimeout = 5 * time.Minute
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if health == nil {
		health = NewHealth(opts.Now)
	}
	log = log.With("component", "bot")
	b := &Bot{
		log:       log,
		events:    events,
		ack:       ack,
		api:       api,
		router:    router,
		health:    health,
		opts:      opts,
		jobs:      make(chan job, opts.Queue),
		replies:   make(chan struct{}, 16),
		buttons:   map[string]interact.ButtonHandler{},
		views:     map[string]interact.ViewHandler{},
		responder: interact.Responder{HTTP: opts.HTTPClient, API: api, Log: log},
	}
	b.metrics = newMetrics(opts.Registerer, b)
	return b
}

// Run reads events until ctx ends or the events channel closes, then lets the work in flight
// finish (up to DrainTimeout) and returns.
func (b *Bot) Run(ctx context.Context) error {
	// Workers keep going after ctx ends, so that a shutdown finishes what was accepted.
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	var wg sync.WaitGroup
	for range b.opts.Workers {
		wg.Go(func() {
			for j := range b.jobs {
				b.work(workCtx, j)
			}
		})
	}
	err := b.loop(ctx)
	close(b.jobs)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(b.opts.DrainTimeout):
		b.log.Warn("shutdown: work in flight did not finish in time", "timeout", b.opts.DrainTimeout)
		cancelWork()
		<-done
	}
	return err
}

// work runs one job with a deadline, counts the busy workers, and survives a panic in it: the
// request is logged with its reference and the rest of the bot goes on.
func (b *Bot) work(ctx context.Context, j job) {
	b.active.Add(1)
	b.lastStart.Store(b.opts.Now().UnixNano())
	defer b.active.Add(-1)
	defer func() {
		if r := recover(); r != nil {
			b.log.Error("request panicked", "ref", j.req.Ref, "user", j.req.UserID, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, b.opts.JobTimeout)
	defer cancel()
	b.runJob(ctx, j)
}

// Stalled reports whether every worker has been busy, with requests waiting, for longer than max:
// the bot is up but answers nobody, which readiness should show.
func (b *Bot) Stalled(max time.Duration) bool {
	if int(b.active.Load()) < b.opts.Workers || len(b.jobs) == 0 {
		return false
	}
	last := time.Unix(0, b.lastStart.Load())
	return b.opts.Now().Sub(last) > max
}

// loop drains the events channel. It never waits for a worker.
func (b *Bot) loop(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case evt, ok := <-b.events:
			if !ok {
				return errors.New("bot: the socket-mode event stream closed")
			}
			b.safeDispatch(ctx, evt)
		}
	}
}

// safeDispatch handles one event and survives a panic in doing so, so that no payload can stop
// the event loop.
func (b *Bot) safeDispatch(ctx context.Context, evt socketmode.Event) {
	defer func() {
		if r := recover(); r != nil {
			b.log.Error("event handling panicked", "type", string(evt.Type), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	b.taken = time.Now()
	b.dispatch(ctx, evt)
}

// enqueue hands a job to the workers without blocking; false means the queue is full.
func (b *Bot) enqueue(j job) bool {
	select {
	case b.jobs <- j:
		return true
	default:
		b.metrics.rejected("default")
		return false
	}
}

// ackNow acknowledges an envelope with a short timeout, so that a stuck socket cannot stall the
// loop for long.
func (b *Bot) ackNow(ctx context.Context, req *socketmode.Request, payload any) {
	if req == nil || req.EnvelopeID == "" {
		return
	}
	actx, cancel := context.WithTimeout(ctx, b.opts.AckTimeout)
	defer cancel()
	if err := b.ack.AckCtx(actx, req.EnvelopeID, payload); err != nil {
		b.log.Warn("ack failed", "envelope", req.EnvelopeID, "type", req.Type, "err", err)
		return
	}
	b.metrics.acked(req.Type, b.taken)
}
