package bot

import (
	"context"
	"encoding/json"
	"strings"
	"time"

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
}

const busyText = "mdebot is busy with many requests right now and did not run this. Try again in a minute."

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
		b.log.Warn("socket mode connection problem", "event", string(evt.Type))
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
	if !b.enqueue(j) {
		b.ackNow(ctx, evt.Request, map[string]string{"response_type": "ephemeral", "text": busyText})
		b.log.Warn("queue full: refused a command", "user", cmd.UserID)
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
		if h, ok := b.buttons[a.ActionID]; ok {
			j := job{req: commands.Request{Ref: commands.NewRef(), UserID: cb.User.ID, ChannelID: channelOf(cb)},
				responseURL: cb.ResponseURL, received: b.opts.Now(), fromButton: true,
				fn: func(ctx context.Context) { h(ctx, cb, *a) }}
			if !b.enqueue(j) {
				b.tellBusy(ctx, j)
			}
			continue
		}
		j, ok := buttonJob(cb, a, b.opts.Now())
		if !ok {
			continue
		}
		if !b.enqueue(j) {
			b.tellBusy(ctx, j)
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
	j := job{req: commands.Request{Ref: commands.NewRef(), UserID: cb.User.ID}, received: b.opts.Now(),
		fn: func(ctx context.Context) { h.Run(ctx, cb) }}
	if !b.enqueue(j) {
		b.ackNow(ctx, req, slack.NewErrorsViewSubmissionResponse(map[string]string{h.ErrorBlock: busyText}))
		return
	}
	b.ackNow(ctx, req, nil)
}

// ButtonHandler handles a click on a button with a given action id; it runs on a worker, as the
// person who clicked (cb.User.ID), and must check that person's rights itself.
type ButtonHandler func(ctx context.Context, cb slack.InteractionCallback, a slack.BlockAction)

// ViewHandler handles the submission of a modal with a given callback id.
type ViewHandler struct {
	// Validate runs in the event loop, so it must do no I/O; the errors it returns (block id ->
	// message) are shown in the modal and nothing runs.
	Validate func(cb slack.InteractionCallback) map[string]string
	// Run does the work on a worker.
	Run func(ctx context.Context, cb slack.InteractionCallback)
	// ErrorBlock is the block that shows "busy" when no worker can take the submission.
	ErrorBlock string
}

// HandleButton registers a handler for clicks on buttons with actionID. Call it before Run.
func (b *Bot) HandleButton(actionID string, h ButtonHandler) { b.buttons[actionID] = h }

// HandleView registers a handler for submissions of modals with callbackID. Call it before Run.
func (b *Bot) HandleView(callbackID string, h ViewHandler) { b.views[callbackID] = h }

func channelOf(cb slack.InteractionCallback) string {
	if cb.Channel.ID != "" {
		return cb.Channel.ID
	}
	return cb.Container.ChannelID
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
	j.req.ChannelID = channelOf(cb)
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

// tellBusy answers a click that found the queue full, from a bounded set of goroutines.
func (b *Bot) tellBusy(ctx context.Context, j job) {
	select {
	case b.replies <- struct{}{}:
	default:
		b.log.Warn("queue full: dropped a click without answering", "user", j.req.UserID)
		return
	}
	go func() {
		defer func() { <-b.replies }()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		b.postResponse(ctx, j, render.Mrkdwn(busyText), false)
	}()
}
