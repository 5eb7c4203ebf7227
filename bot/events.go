package bot

import (
	"context"
	"encoding/json"
	"strings"
	"time"

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
	b.ackNow(ctx, evt.Request, nil)
	cb, ok := evt.Data.(slack.InteractionCallback)
	if !ok || cb.Type != slack.InteractionTypeBlockActions {
		return
	}
	for _, a := range cb.ActionCallback.BlockActions {
		j, ok := buttonJob(cb, a, b.opts.Now())
		if !ok {
			continue
		}
		if !b.enqueue(j) {
			b.tellBusy(ctx, j)
		}
	}
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
	if j.req.ChannelID == "" {
		j.req.ChannelID = cb.Container.ChannelID
	}
	switch a.ActionID {
	case actionRun:
		j.req.Text = a.Value
	case actionMore:
		var mv moreValue
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
		b.postResponse(ctx, j, busyMessage(), false)
	}()
}
