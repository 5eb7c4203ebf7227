package socket

import (
	"context"
	"time"

	"github.com/mdebot/mdebot/bot/interact"
	"github.com/mdebot/mdebot/bot/render"
	"github.com/slack-go/slack"
)

// Slack honours a trigger_id once, and only for 3 seconds after the click: views.open
// (api.slack.com/methods/views.open, "Open a modal with a user by exchanging a trigger_id")
// answers exchanged_trigger_id to a second use and expired_trigger_id to a late one (Slack's
// dialog.open reference says it plainly: "trigger_expired - The provided trigger_id was presented
// after the 3 second limit"; the reference notes, section 2: "single use, and it expires about
// 3 s after delivery. Call views.open immediately, before the slow work"). So a click that opens
// a modal never waits for a worker: the modal is built in the event path and opened at once from
// a goroutine of its own, with a deadline inside the window; only the work after the submission
// is queued (onViewSubmission).

// DefaultModalDeadline is how long after the click was read views.open may still run: under
// Slack's 3 seconds, with room for the time the click took to reach the bot.
const DefaultModalDeadline = 2500 * time.Millisecond

// maxOpening bounds the views.open calls in flight at once.
const maxOpening = 64

// HandleModal registers a button whose click opens a modal. Call it before Run.
func (b *Bot) HandleModal(actionID string, h interact.ModalButton) { b.modals[actionID] = h }

// openModal opens the modal a click asks for, at once: h builds it in the event loop (no I/O),
// and views.open runs in a goroutine of its own, bounded by maxOpening, never behind a lane.
func (b *Bot) openModal(ctx context.Context, cb slack.InteractionCallback, a slack.BlockAction, h interact.ModalButton) {
	m, ok := h(cb, a)
	if !ok {
		return
	}
	to := interact.ReplyTo(cb)
	select {
	case b.opening <- struct{}{}:
	default:
		b.log.Warn("too many modals opening at once: one not opened", "callback", m.View.CallbackID, "user", cb.User.ID)
		b.tell(ctx, to, m.IfNotOpened)
		return
	}
	// The deadline starts now, in the event loop, as the click is read.
	octx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.opts.ModalDeadline)
	go func() {
		defer func() { <-b.opening }()
		defer cancel()
		if _, err := b.api.OpenViewContext(octx, cb.TriggerID, m.View); err != nil {
			b.log.Warn("modal not opened", "callback", m.View.CallbackID, "user", cb.User.ID, "err", err)
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			b.responder.Respond(rctx, to, render.Mrkdwn(m.IfNotOpened), false)
		}
	}()
}
