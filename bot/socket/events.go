package socket

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/mdebot/mdebot/bot/interact"
	"github.com/mdebot/mdebot/bot/render"
	"github.com/mdebot/mdebot/commands"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// job is one piece of work for a worker: a command to run and where to answer.
type job struct {
	req         commands.Request
	responseURL string
	received    time.Time
	// fromButton is set when a button click started the job.
	fromButton bool
	// fn, when set, is the work itself (a registered button or modal handler); otherwise the
	// request goes through the router.
	fn func(ctx context.Context)
	// lane is where the job runs; progress its "working on it" note (nil for fn jobs).
	lane     Lane
	progress *progress
}

// busyText is what a request that found its lane's queue full is told.
func busyText(l Lane) string {
	return "mdebot is busy: its queue for " + laneWork[l] + " is full, so this was not run. Try again in a minute."
}

// submit admits j for its user in its lane and queues it without blocking; it returns "" or why
// nothing will run (the user's limit, or a full lane), for the caller to tell the user.
func (b *Bot) submit(ctx context.Context, j job, slash bool) string {
	if why := b.limits.admit(j.req.UserID, j.lane); why != "" {
		b.log.Info("request refused: user limit", "user", j.req.UserID, "lane", j.lane.String())
		return why
	}
	if j.fn == nil {
		b.watch(ctx, &j, slash)
	}
	select {
	case b.lanes[j.lane].jobs <- j:
		return ""
	default:
		j.progress.finish()
		b.limits.done(j.req.UserID, j.lane)
		b.metrics.rejected(j.lane.String())
		b.log.Warn("lane full: refused a request", "user", j.req.UserID, "lane", j.lane.String())
		return busyText(j.lane)
	}
}

// dispatch handles one event: acknowledge first, then queue the work. It never blocks on
// anything but the short ack.
func (b *Bot) dispatch(ctx context.Context, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		b.health.connecting()
	case socketmode.EventTypeConnected:
		b.health.connected()
	case socketmode.EventTypeHello:
		b.health.hello()
	case socketmode.EventTypeConnectionError, socketmode.EventTypeIncomingError, socketmode.EventTypeInvalidAuth:
		b.health.lost()
		b.log.Warn("socket mode connection problem", "event", string(evt.Type), "cause", connEventCause(evt))
	case socketmode.EventTypeSlashCommand:
		b.onSlashCommand(ctx, evt)
	case socketmode.EventTypeInteractive:
		b.onInteraction(ctx, evt)
	case socketmode.EventTypeEventsAPI:
		// mdebot subscribes to no events; acknowledge so Slack does not redeliver.
		b.ackNow(ctx, evt.Request, nil)
	default:
		if evt.Request != nil && evt.Request.EnvelopeID != "" {
			b.ackNow(ctx, evt.Request, nil)
		}
	}
}

func (b *Bot) onSlashCommand(ctx context.Context, evt socketmode.Event) {
	cmd, ok := evt.Data.(slack.SlashCommand)
	if !ok {
		b.ackNow(ctx, evt.Request, nil)
		return
	}
	j := slashJob(cmd, b.opts.Now())
	j.lane = b.laneOf(j.req.Text)
	if why := b.submit(ctx, j, true); why != "" {
		b.ackNow(ctx, evt.Request, map[string]string{"response_type": "ephemeral", "text": why})
		return
	}
	b.ackNow(ctx, evt.Request, nil)
}

// slashJob turns a slash command into a job (a pure function, tested on literal values).
func slashJob(cmd slack.SlashCommand, now time.Time) job {
	return job{
		req: commands.Request{
			Ref:       commands.NewRef(),
			UserID:    cmd.UserID,
			ChannelID: cmd.ChannelID,
			Text:      cmd.Text,
		},
		responseURL: cmd.ResponseURL,
		received:    now,
	}
}

func (b *Bot) onInteraction(ctx context.Context, evt socketmode.Event) {
	cb, ok := evt.Data.(slack.InteractionCallback)
	if !ok {
		b.ackNow(ctx, evt.Request, nil)
		return
	}
	switch cb.Type {
	case slack.InteractionTypeViewSubmission:
		b.onViewSubmission(ctx, evt.Request, cb)
		return
	case slack.InteractionTypeBlockActions:
	default:
		b.ackNow(ctx, evt.Request, nil)
		return
	}
	b.ackNow(ctx, evt.Request, nil)
	for _, a := range cb.ActionCallback.BlockActions {
		if h, ok := b.modals[a.ActionID]; ok {
			b.openModal(ctx, cb, *a, h)
			continue
		}
		j, ok := job{}, false
		if h, found := b.buttons[a.ActionID]; found {
			j, ok = job{req: commands.Request{Ref: commands.NewRef(), UserID: cb.User.ID, ChannelID: interact.ChannelOf(cb)},
				responseURL: cb.ResponseURL, received: b.opts.Now(), fromButton: true, lane: Interactive,
				fn: func(ctx context.Context) { h(ctx, cb, *a) }}, true
		} else if j, ok = buttonJob(cb, a, b.opts.Now()); ok {
			j.lane = b.laneOf(j.req.Text)
		}
		if !ok {
			continue
		}
		if why := b.submit(ctx, j, false); why != "" {
			b.tell(ctx, j.reply(), why)
		}
	}
}

// onViewSubmission validates a modal in the loop (the answer must ride on the ack), then hands
// the work to a worker.
func (b *Bot) onViewSubmission(ctx context.Context, req *socketmode.Request, cb slack.InteractionCallback) {
	h, ok := b.views[cb.View.CallbackID]
	if !ok {
		b.ackNow(ctx, req, nil)
		return
	}
	if h.Validate != nil {
		if errs := h.Validate(cb); len(errs) > 0 {
			b.ackNow(ctx, req, slack.NewErrorsViewSubmissionResponse(errs))
			return
		}
	}
	j := job{req: commands.Request{Ref: commands.NewRef(), UserID: cb.User.ID}, received: b.opts.Now(), lane: Interactive,
		fn: func(ctx context.Context) { h.Run(ctx, cb) }}
	if why := b.submit(ctx, j, false); why != "" {
		b.ackNow(ctx, req, slack.NewErrorsViewSubmissionResponse(map[string]string{h.ErrorBlock: why}))
		return
	}
	b.ackNow(ctx, req, nil)
}

// HandleButton registers a handler for clicks on buttons with actionID. Call it before Run.
func (b *Bot) HandleButton(actionID string, h interact.ButtonHandler) { b.buttons[actionID] = h }

// HandleView registers a handler for submissions of modals with callbackID. Call it before Run.
func (b *Bot) HandleView(callbackID string, h interact.ViewHandler) { b.views[callbackID] = h }

// HandleApproval registers the handler that answers a command whose response asks for an
// approval (the approval cards). Call it before Run; without one, the response is shown as is.
func (b *Bot) HandleApproval(h interact.ApprovalHandler) { b.onApproval = h }

// Respond answers to (see interact.Responder).
func (b *Bot) Respond(ctx context.Context, to interact.Reply, msg render.Message, inChannel bool) {
	b.responder.Respond(ctx, to, msg, inChannel)
}

// RunCommand runs text through the router as to.UserID, as if typed after a click, and answers
// to (a new reference is made when to.Ref is empty).
func (b *Bot) RunCommand(ctx context.Context, to interact.Reply, text string) {
	if to.Ref == "" {
		to.Ref = commands.NewRef()
	}
	j := job{req: commands.Request{Ref: to.Ref, UserID: to.UserID, ChannelID: to.ChannelID, Text: text},
		responseURL: to.ResponseURL, received: b.opts.Now(), fromButton: true, lane: Interactive}
	b.watch(ctx, &j, false)
	b.runJob(ctx, j)
}

// RunArgs runs a request the bot built, one literal value per argument (see interact.Host).
func (b *Bot) RunArgs(ctx context.Context, to interact.Reply, args ...string) {
	if to.Ref == "" {
		to.Ref = commands.NewRef()
	}
	b.runJob(ctx, job{req: commands.Request{Ref: to.Ref, UserID: to.UserID, ChannelID: to.ChannelID, Args: args},
		responseURL: to.ResponseURL, received: b.opts.Now(), fromButton: true})
}

// reply is who the job answers.
func (j job) reply() interact.Reply {
	return interact.Reply{Ref: j.req.Ref, UserID: j.req.UserID, ChannelID: j.req.ChannelID, ResponseURL: j.responseURL}
}

// buttonJob turns a click on a "more" or "run" button into a job run as the person who clicked.
// Nothing in the button is trusted for authorization: the router checks the clicker's roles.
func buttonJob(cb slack.InteractionCallback, a *slack.BlockAction, now time.Time) (job, bool) {
	j := job{
		req: commands.Request{
			Ref:       commands.NewRef(),
			UserID:    cb.User.ID,
			ChannelID: cb.Channel.ID,
		},
		responseURL: cb.ResponseURL,
		received:    now,
		fromButton:  true,
	}
	j.req.ChannelID = interact.ChannelOf(cb)
	switch a.ActionID {
	case render.ActionRun:
		j.req.Text = a.Value
	case render.ActionMore:
		var mv render.MoreValue
		if err := json.Unmarshal([]byte(a.Value), &mv); err != nil || mv.Offset < 0 {
			return job{}, false
		}
		j.req.Text, j.req.Offset = mv.Command, mv.Offset
	default:
		return job{}, false
	}
	if strings.TrimSpace(j.req.Text) == "" || j.req.UserID == "" {
		return job{}, false
	}
	return j, true
}

// tell answers a click that will not run (a limit, a full lane, a modal Slack did not open)
// from a bounded set of goroutines, so that the event loop never waits for the post.
func (b *Bot) tell(ctx context.Context, to interact.Reply, text string) {
	select {
	case b.replies <- struct{}{}:
	default:
		b.log.Error("too many answers in flight: a click was not told why nothing ran", "user", to.UserID, "why", text)
		return
	}
	go func() {
		defer func() { <-b.replies }()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		b.responder.Respond(ctx, to, render.Mrkdwn(text), false)
	}()
}
