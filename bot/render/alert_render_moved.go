package render

import (
	"strings"
	"time"

	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
)

// channelLinks links channel IDs (<#C0123ABC>, which Slack shows as the channel's name); an ID
// that is not one (it comes from configuration, checked at start) is shown as code instead.
func (b *msgBuilder) channelLinks(ids []string) string {
	parts := make([]string, 0, len(ids))
	for _, id := range ids {
		if isChannelID(id) {
			parts = append(parts, "<#"+id+">")
		} else {
			parts = append(parts, b.code(id, 40))
		}
	}
	return strings.Join(parts, ", ")
}

// isChannelID reports whether s is a Slack conversation ID a bot posts to (C… or G…).
func isChannelID(s string) bool {
	if len(s) < 3 || len(s) > 32 || (s[0] != 'C' && s[0] != 'G') {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// AlertMovedReply renders the thread reply under an alert's message when the alert stops
// going to that channel (its severity or another routed field changed): where it goes now, and
// what changed.
func AlertMovedReply(a defender.Alert, to []string, cs []Change, now time.Time) Message {
	b := &msgBuilder{now: now.UTC()}
	lines := make([]string, 0, len(cs)+1)
	lines = append(lines, "➡️ *Moved to* "+b.channelLinks(to)+": the alert is followed there now, and its buttons are there.")
	for _, c := range cs {
		lines = append(lines, "*"+c.Field+"* "+b.or(b.inline(c.From, 200))+" → "+b.or(b.inline(c.To, 200)))
	}
	b.section(strings.Join(lines, "\n"))
	b.context("Changed in Defender " + b.when(a.LastUpdateTime.Time) + " · the message above is kept up to date")
	text := "Alert moved: " + b.alertTitle(a)
	out := Message{Text: commands.Truncate(commands.EscapeMrkdwn(text), limitText), Blocks: b.blocks}
	fitLimits(&out)
	return out
}
