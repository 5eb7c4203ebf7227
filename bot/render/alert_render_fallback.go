package render

import (
	"strconv"
	"strings"

	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
)

// Fallbacks: when Slack refuses a message for what it holds (too long, blocks it does not
// accept, metadata), the alert is still posted, as a short text message with no blocks that
// names it and links to the portal. Losing the alert would be worse than a plain message.

// AlertFallback renders an alert as a plain text message: severity, title, device,
// status, its id and the portal link, and why the full message is missing.
func AlertFallback(a defender.Alert, portal, code string) Message {
	b := &msgBuilder{}
	emoji, _ := b.severityStyle(a.Severity)
	// Pieces are cut short enough that the whole stays under limitText even when every character
	// of the data needs escaping.
	title := b.link(b.portalURL(portal, "alerts", a.ID), b.alertTitle(a), 150)
	line := emoji + " *" + b.or(b.inline(string(a.Severity), 30)) + "* " +
		b.join(title, b.code(a.ComputerDNSName, 100), b.inline(string(a.Status), 30), "Alert ID "+b.or(b.code(a.ID, 100)))
	note := "_Slack refused the full message (" + b.inline(code, 60) + "); open the alert in the portal for its details._"
	return Message{Text: line + "\n" + note}
}

// DigestChunkFallback renders a digest page as plain text lines, without blocks: every alert
// keeps its line (severity emoji, id, and as much of its title as fits), so that none is left
// out. A page lists hundreds of alerts, so the text may be as long as a page's blocks
// (digestPageBudget, under the 40,000 characters Slack keeps of a message's text).
func DigestChunkFallback(alerts []defender.Alert, from, total int, code string) Message {
	b := &msgBuilder{}
	var sb strings.Builder
	sb.WriteString("*Alerts " + strconv.Itoa(from+1) + "–" + strconv.Itoa(from+len(alerts)) + " of " + strconv.Itoa(total) + "*")
	// Each line gets an equal share of the text; ids are kept whole, titles get what is left.
	per := (digestPageBudget - 300) / max(1, len(alerts))
	for _, a := range alerts {
		emoji, _ := b.severityStyle(a.Severity)
		line := "\n• " + emoji + " " + b.code(a.ID, 100)
		if room := per - textLen(line) - 1; room >= 12 {
			line += " " + b.fitInline(b.alertTitle(a), room)
		}
		sb.WriteString(line)
	}
	sb.WriteString("\n_Slack refused the full list (" + b.inline(code, 60) + "); the alert IDs are above._")
	return Message{Text: commands.Truncate(sb.String(), digestPageBudget)}
}

// fitInline is inline(s) cut so that the escaped text holds at most room characters.
func (b *msgBuilder) fitInline(s string, room int) string {
	for limit := room; limit > 0; limit /= 2 {
		if t := b.inline(s, limit); textLen(t) <= room {
			return t
		}
	}
	return ""
}

// PlainFallback keeps a message's text alone (its text is already a summary of it).
func PlainFallback(m Message) Message {
	return Message{Text: commands.Truncate(m.Text, limitText)}
}
