// Package interact is the contract between the socket-mode runtime (bot/socket) and the
// features that plug into it (bot/alerts, bot/approvals): the handlers a feature registers for
// its buttons and modals, who an answer goes to, and the Responder that answers them. It must
// not import the runtime or a feature, and it runs no loop of its own.
package interact

import (
	"context"

	"github.com/mdebot/mdebot/bot/render"
	"github.com/mdebot/mdebot/commands"
	"github.com/slack-go/slack"
)

// ButtonHandler handles a click on a button with a given action id; it runs on a worker, as the
// person who clicked (cb.User.ID), and must check that person's rights itself.
type ButtonHandler func(ctx context.Context, cb slack.InteractionCallback, a slack.BlockAction)

// ModalButton builds the modal a click opens. It runs in the event path, before any worker, so
// it must do no I/O: the runtime itself calls views.open with the click's trigger_id at once,
// because Slack honours a trigger_id once and for 3 seconds only (see bot/socket/modal.go). ok
// false means the click names nothing this bot made, and nothing opens. The work after the
// submission goes to the ViewHandler registered for the modal's callback id, on a worker.
type ModalButton func(cb slack.InteractionCallback, a slack.BlockAction) (m Modal, ok bool)

// Modal is what a click opens.
type Modal struct {
	View slack.ModalViewRequest
	// IfNotOpened tells the clicker (mrkdwn) what to do when Slack did not open the modal.
	IfNotOpened string
}

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

// ApprovalHandler takes over the answer to a command whose response asks for an approval
// (resp.Approval is set): it posts the request's card and tells the requester.
type ApprovalHandler func(ctx context.Context, to Reply, resp commands.Response)

// Host is the socket-mode runtime as the features see it (*socket.Bot): where they register
// their handlers (before it runs), and how they answer people and run commands for them.
type Host interface {
	HandleButton(actionID string, h ButtonHandler)
	// HandleModal registers a button that opens a modal; the runtime opens it at once.
	HandleModal(actionID string, h ModalButton)
	HandleView(callbackID string, h ViewHandler)
	// Respond answers to (see Responder).
	Respond(ctx context.Context, to Reply, msg render.Message, inChannel bool)
	// RunCommand runs text through the router as to.UserID, as if typed after a click, and
	// answers to.
	RunCommand(ctx context.Context, to Reply, text string)
	// RunArgs runs a request the bot built (a modal's submission) as to.UserID: the verb, then
	// each argument as one literal value (commands.Request.Args), so that nothing typed in a
	// form can split into more arguments or options. It answers to.
	RunArgs(ctx context.Context, to Reply, args ...string)
}

// Reply is who asked and where the answer goes.
type Reply struct {
	// Ref is the request's reference in logs; may be empty.
	Ref string
	// UserID is who asked; ChannelID where (an ephemeral answer goes there).
	UserID, ChannelID string
	// ResponseURL is the interaction's response_url; empty for a modal submission.
	ResponseURL string
	// Replace makes the answer replace the message the response_url last posted (a "working on
	// it" note of a slash command) instead of adding one. Never set it for a click, whose
	// response_url would replace the message the button is on.
	Replace bool
}

// ReplyTo answers the person who clicked in cb, through the click's response_url.
func ReplyTo(cb slack.InteractionCallback) Reply {
	return Reply{UserID: cb.User.ID, ChannelID: ChannelOf(cb), ResponseURL: cb.ResponseURL}
}

// ChannelOf is the channel an interaction happened in.
func ChannelOf(cb slack.InteractionCallback) string {
	if cb.Channel.ID != "" {
		return cb.Channel.ID
	}
	return cb.Container.ChannelID
}
