// Package socket is the socket-mode runtime: the event loop that acknowledges every envelope
// first and hands the work to lanes of bounded workers (clicks, look-ups, hunts) under per-user
// limits, turning slash commands and clicks into commands requests; it opens at once the modals
// a click asks for, runs the button, modal and approval handlers the features register
// (bot/interact), shows progress on slow work, answers, and tracks the connection's health and
// readiness. It holds no chat-ops
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
	OpenViewContext(ctx context.Context, triggerID string, view slack.ModalViewRequest) (*slack.ViewResponse, error)
}

// Options tune the bot. Zero values take the defaults.
type Options struct {
	// Interactive, Lookups and Slow size the lanes (see Lane); each has its own workers, queue
	// and per-user limit, so that a click never waits behind a look-up or a hunt. Defaults:
	// interactive 8 workers, 256 waiting, 5 per user; look-ups 16, 512, 3; slow 4, 32, 2.
	Interactive, Lookups, Slow LaneOptions
	// UserRate is how many requests one person may start in a minute; default 30, negative for
	// no limit. Beyond it they are told the limit and nothing runs.
	UserRate int
	// AckTimeout bounds one ack; default 1 s (Slack allows 3 s from delivery).
	AckTimeout time.Duration
	// ModalDeadline bounds views.open for a click that opens a modal, from the moment the click
	// is read; default DefaultModalDeadline (Slack's trigger_id lasts 3 s).
	ModalDeadline time.Duration
	// ProgressAfter is how long a request may run before it shows a "working on it" note;
	// default DefaultProgressAfter.
	ProgressAfter time.Duration
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
	lanes   [numLanes]*lane
	limits  *userLimits
	replies chan struct{} // bounds the goroutines that tell users why nothing ran
	opening chan struct{} // bounds the views.open calls in flight
	buttons map[string]interact.ButtonHandler
	modals  map[string]interact.ModalButton
	views   map[string]interact.ViewHandler
	// onApproval answers the responses that ask for an approval (HandleApproval sets it).
	onApproval interact.ApprovalHandler
	responder  interact.Responder
	metrics    *metrics
	// taken is when the event loop took the event it is handling (the loop's goroutine only).
	taken time.Time
}

// New returns a bot reading events from a socketmode.Client's Events channel.
func New(log *slog.Logger, events <-chan socketmode.Event, ack acker, api slackAPI, router *commands.Router, health *Health, opts Options) *Bot {
	if opts.UserRate == 0 {
		opts.UserRate = 30
	}
	if opts.AckTimeout <= 0 {
		opts.AckTimeout = time.Second
	}
	if opts.ModalDeadline <= 0 || opts.ModalDeadline >= 3*time.Second {
		opts.ModalDeadline = DefaultModalDeadline
	}
	if opts.ProgressAfter <= 0 {
		opts.ProgressAfter = DefaultProgressAfter
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
		replies:   make(chan struct{}, 64),
		opening:   make(chan struct{}, maxOpening),
		buttons:   map[string]interact.ButtonHandler{},
		modals:    map[string]interact.ModalButton{},
		views:     map[string]interact.ViewHandler{},
		responder: interact.Responder{HTTP: opts.HTTPClient, API: api, Log: log},
	}
	for l, o := range [numLanes]LaneOptions{Interactive: opts.Interactive, Lookups: opts.Lookups, Slow: opts.Slow} {
		o = o.withDefaults(Lane(l))
		b.lanes[l] = &lane{name: Lane(l), opts: o, jobs: make(chan job, o.Queue)}
	}
	b.limits = newUserLimits(opts.Now, opts.UserRate, b.lanes)
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
	b.startWorkers(workCtx, &wg)
	err := b.loop(ctx)
	b.closeLanes()
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
