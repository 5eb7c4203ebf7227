package bot

import (
	"context"
	"regexp"
	"strings"

	"github.com/mdebot/mdebot/bot/render"
	"github.com/mdebot/mdebot/commands"
	"github.com/slack-go/slack"
)

// HandleAlertButtons registers the Assign to me button and the Resolve menu of alert messages;
// call it before Run. A click runs the same
// command as `/mde alert <id> assign me` or `/mde alert <id> resolve <classification>`, as the
// person who clicked: the router checks the responder role at the click, the approval policy
// applies (an update the policy gates gets an approval card, "never" is refused) and the change
// is audited. The alert changes in MDE, and the next poll edits the message. Isolate device
// belongs to the approval flow (HandleAlertIsolate).
func (b *Bot) HandleAlertButtons() {
	run := func(ctx context.Context, cb slack.InteractionCallback, text string) {
		b.runJob(ctx, job{req: commands.Request{Ref: commands.NewRef(), UserID: cb.User.ID, ChannelID: channelOf(cb), Text: text},
			responseURL: cb.ResponseURL, received: b.opts.Now(), fromButton: true})
	}
	refuse := func(ctx context.Context, cb slack.InteractionCallback) {
		j := job{req: commands.Request{UserID: cb.User.ID, ChannelID: channelOf(cb)}, responseURL: cb.ResponseURL}
		b.postResponse(ctx, j, render.Mrkdwn("This control does not name an alert; nothing was changed."), false)
	}
	b.HandleButton(render.ActionAlertAssign, func(ctx context.Context, cb slack.InteractionCallback, a slack.BlockAction) {
		if !alertIDRe.MatchString(a.Value) {
			refuse(ctx, cb)
			return
		}
		run(ctx, cb, "alert "+a.Value+" assign me")
	})
	b.HandleButton(render.ActionAlertResolve, func(ctx context.Context, cb slack.InteractionCallback, a slack.BlockAction) {
		class, id, _ := strings.Cut(a.SelectedOption.Value, "|")
		if !alertIDRe.MatchString(id) || !render.KnownClassification(class) {
			refuse(ctx, cb)
			return
		}
		run(ctx, cb, "alert "+id+" resolve "+class)
	})
}

// HandleAlertButtonsOff answers clicks on Isolate device, Assign to me and Resolve when response
// actions are off (MDEBOT_RESPONDERS unset): new alert messages then carry no such buttons
// (AlertOptions.ActionButtons), but messages posted while actions were on still do, and a click
// on them says why nothing happens rather than nothing at all. Call it before Run, instead of
// HandleAlertButtons and HandleAlertIsolate.
func (b *Bot) HandleAlertButtonsOff() {
	answer := func(ctx context.Context, cb slack.InteractionCallback, _ slack.BlockAction) {
		j := job{req: commands.Request{UserID: cb.User.ID, ChannelID: channelOf(cb)}, responseURL: cb.ResponseURL}
		b.postResponse(ctx, j, render.Mrkdwn("Response actions are turned off for this bot, so alerts cannot be isolated, "+
			"assigned or resolved from Slack; use the alert's portal link."), false)
	}
	for _, id := range []string{render.ActionAlertIsolate, render.ActionAlertAssign, render.ActionAlertResolve} {
		b.HandleButton(id, answer)
	}
}

// alertIDRe matches an MDE alert id as buttons carry it.
var alertIDRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$`)
