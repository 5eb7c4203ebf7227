package render

import (
	"github.com/mdebot/mdebot/commands"
)

// audit renders a slice of the audit trail, one entry per item, newest as given.
func (b *msgBuilder) audit(v commands.AuditView) string {
	items := make([]string, 0, len(v.Entries))
	for _, e := range v.Entries {
		item := b.auditEmoji(e.Event) + " " + b.join(b.when(e.Time), "*"+b.or(b.inline(e.Event, 30))+"*",
			b.join(b.inline(e.Verb, 30), b.code(e.Target, 100)), "by "+b.or(b.code(e.Actor, 40)))
		refs := b.join(b.labelled("request", b.code(e.Request, 60)), b.labelled("action", b.code(e.ActionID, 60)),
			b.labelled("device", b.code(e.MachineID, 50)))
		if refs != "" {
			item += "\n    " + refs
		}
		if e.Detail != "" {
			item += "\n    " + b.inline(e.Detail, 150)
		}
		items = append(items, item)
	}
	title := "Audit trail"
	if v.Filter != "" {
		title += ": " + v.Filter
	}
	out := b.itemList(title, "entry", "entries", items, v.More)
	if v.Stopped != "" {
		out += "\n_" + b.inline(v.Stopped, 300) + "_"
	}
	return out
}

// auditEmoji marks an audit event.
func (b *msgBuilder) auditEmoji(event string) string {
	switch event {
	case "requested":
		return "📝"
	case "approved":
		return "👍"
	case "denied":
		return "👎"
	case "expired":
		return "⌛"
	case "executed", "executing":
		return "▶️"
	case "succeeded", "done":
		return "✅"
	case "failed":
		return "❌"
	case "refused", "cancel", "cancelled":
		return "🚫"
	case "already pending":
		return "⏳"
	case "timeout":
		return "⌛"
	case "package ready":
		return "📦"
	}
	return "•"
}

// AuditLine is one entry in escaped mrkdwn. People show as their plain ids (no mention, so the
// channel notifies nobody).
func AuditLine(e commands.AuditEntry) string {
	b := &msgBuilder{}
	line := b.auditEmoji(e.Event) + " *" + b.or(b.inline(e.Event, 40)) + "* " +
		b.join(b.inline(e.Verb, 30), b.code(e.Target, 200), "by "+b.or(b.code(e.Actor, 40)),
			b.labelled("request", b.code(e.Request, 40)), b.labelled("action", b.code(e.ActionID, 60)),
			e.Time.UTC().Format("2006-01-02 15:04:05 UTC"))
	if e.Detail != "" {
		line += "\n" + b.inline(e.Detail, 500)
	}
	return commands.Truncate(line, limitSection)
}
