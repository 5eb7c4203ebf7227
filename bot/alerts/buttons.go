package alerts

import (
	"context"
	"regexp"
	"strings"

	"github.com/mdebot/mdebot/bot/interact"
	"github.com/mdebot/mdebot/bot/render"
	"github.com/slack-go/slack"
)

// HandleButtons registers the Assign to me button and the Resolve menu of alert messages;
// call it before Run. A click runs the same
// command as `/mde alert <id> assign me` or `/mde alert <id> resolve <classification>`, as the
// person who clicked: the router checks the responder role at the click, the approval policy
// applies (an update the policy gates gets an approval card, "never" is refused) and the change
// is audited. The alert changes in MDE, and the next poll edits the message. Isolate device
// belongs to the approval flow (HandleIsolate).
func HandleButtons(h interact.Host) {
	run := func(ctx context.Context, cb slack.InteractionCallback, text string) {
		h.RunCommand(ctx, interact.ReplyTo(cb), text)
	}
	refuse := func(ctx context.Context, cb slack.InteractionCallback) {
		h.Respond(ctx, interact.ReplyTo(cb), render.Mrkdwn("This control does not name an alert; nothing was changed."), false)
	}
	h.HandleButton(render.ActionAlertAssign, func(ctx context.Context, cb slack.InteractionCallback, a slack.BlockAction) {
		if !alertIDRe.MatchString(a.Value) {
			refuse(ctx, cb)
			return
		}
		run(ctx, cb, "alert "+a.Value+" assign me")
	})
	h.HandleButton(render.ActionAlertResolve, func(ctx context.Context, cb slack.InteractionCallback, a slack.BlockAction) {
		class, id, _ := strings.Cut(a.SelectedOption.Value, "|")
		if !alertIDRe.MatchString(id) || !render.KnownClassification(class) {
			refuse(ctx, cb)
			return
		}
		run(ctx, cb, "alert "+id+" resolve "+class)
	})
}

// HandleButtonsOff answers clicks on Isolate device, Assign to me and Resolve when response
// actions are off (MDEBOT_RESPONDERS unset): new alert messages then carry no such buttons
// (Options.ActionButtons), but messages posted while actions were on still do, and a click
// on them says why nothing happens rather than nothing at all. Call it before Run, instead of
// HandleButtons and HandleIsolate.
func HandleButtonsOff(h interact.Host) {
	answer := func(ctx context.Context, cb slack.InteractionCallback, _ slack.BlockAction) {
		h.Respond(ctx, interact.ReplyTo(cb), render.Mrkdwn("Response actions are turned off for this bot, so alerts cannot be isolated, "+
			"assigned or resolved from Slack; use the alert's portal link."), false)
	}
	for _, id := range []string{render.ActionAlertIsolate, render.ActionAlertAssign, render.ActionAlertResolve} {
		h.HandleButton(id, answer)
	}
}

// alertIDRe matches an MDE alert id as buttons carry it.
var alertIDRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$`)
