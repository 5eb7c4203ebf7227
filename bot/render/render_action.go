package render

import (
	"fmt"

	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
)

// actionCard renders one machine action.
func (b *msgBuilder) actionCard(v commands.ActionView) string {
	a := v.Action
	title := b.titleOr(string(a.Type), "Machine action")
	if a.ComputerDNSName != "" {
		title += " · " + a.ComputerDNSName
	}
	b.header(b.actionEmoji(a.Status) + " " + title)
	file := ""
	if a.RelatedFileInfo != nil {
		file = b.join(b.inline(a.RelatedFileInfo.FileIdentifierType, 30), b.code(a.RelatedFileInfo.FileIdentifier, 100))
	}
	errText := ""
	if a.ErrorHResult != 0 {
		errText = fmt.Sprintf("HRESULT 0x%08X", uint32(a.ErrorHResult))
	}
	cancelled := ""
	if a.CancellationRequestor != "" || !a.CancellationDateTimeUTC.IsZero() {
		cancelled = b.join(b.by(a.CancellationRequestor), b.when(a.CancellationDateTimeUTC.Time))
	}
	b.fields(
		field{"Status", b.or(b.inline(string(a.Status), 40))},
		field{"Device", b.or(b.link(b.portalURL(v.PortalURL, "machines", a.MachineID), a.ComputerDNSName, 200))},
		field{"Requested by", b.or(b.join(b.inline(a.Requestor, 150), b.inline(a.RequestSource, 50)))},
		field{"Scope", b.inline(a.Scope, 50)},
		field{"Created", b.when(a.CreationDateTimeUTC.Time)},
		field{"Last update", b.when(a.LastUpdateDateTimeUTC.Time)},
		field{"File", file},
		field{"Error", errText},
		field{"Cancelled", cancelled},
	)
	if a.RequestorComment != "" {
		b.section("*Comment*\n" + commands.Truncate(commands.EscapeMrkdwn(commands.Truncate(a.RequestorComment, 1000)), 2000))
	}
	if a.CancellationComment != "" {
		b.section("*Cancellation comment*\n" + commands.Truncate(commands.EscapeMrkdwn(commands.Truncate(a.CancellationComment, 1000)), 2000))
	}
	b.context(b.join("Action ID "+b.or(b.code(a.ID, 100)), b.labelled("external ID", b.code(a.ExternalID, 100))))
	b.actions("mde_action_links", b.linkButton("Open device in portal", b.portalURL(v.PortalURL, "machines", a.MachineID)))
	return title + ": " + string(a.Status)
}

// actionList renders a list of machine actions.
func (b *msgBuilder) actionList(v commands.ActionListView) string {
	items := make([]string, 0, len(v.Actions))
	for _, a := range v.Actions {
		items = append(items, b.actionItem(a))
	}
	title := b.itemList(b.titleOr(v.Title, "Machine actions"), "action", "actions", items, v.More)
	b.section(b.timedSection(v.Timed))
	return title
}

// actionItem is one line about an action and, when it has one, a line with its comment.
func (b *msgBuilder) actionItem(a defender.MachineAction) string {
	line := b.actionEmoji(a.Status) + " *" + b.or(b.inline(string(a.Type), 60)) + "* " +
		b.join(b.inline(string(a.Status), 30), b.code(a.ComputerDNSName, 100), b.by(a.Requestor),
			"created "+b.ago(a.CreationDateTimeUTC.Time), "updated "+b.ago(a.LastUpdateDateTimeUTC.Time),
			b.code(a.ID, 60))
	if a.RequestorComment != "" {
		line += "\n    " + b.inline(a.RequestorComment, 150)
	}
	return line
}
