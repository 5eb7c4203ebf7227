package render

import (
	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/store"
)

// muteList renders alert mutes: what each matches, until when, who set it and why, and how many
// alerts it held back.
func (b *msgBuilder) muteList(v commands.MuteListView) string {
	items := make([]string, 0, len(v.Mutes))
	for _, m := range v.Mutes {
		what := b.code(m.Label, 200)
		if m.Kind == store.MuteMachine {
			what = b.link(b.portalURL(v.PortalURL, "machines", m.Value), b.titleOr(m.Label, m.Value), 200)
		}
		if what == "" {
			what = b.code(m.Value, 200)
		}
		item := "🔕 " + b.join(b.code(m.ID, 20), "*"+b.inline(m.Kind, 10)+"* "+what, "until "+b.when(m.Until))
		item += "\n    " + b.join("by "+b.or(b.code(m.Creator, 40)), b.count(int(m.Hits), "alert held back", "alerts held back"),
			b.inline(m.Reason, 300))
		items = append(items, item)
	}
	summary := b.itemList(b.titleOr(v.Title, "Alert mutes"), "mute", "mutes", items, nil)
	if v.Note != "" {
		b.context(b.escapeWithCode(commands.Truncate(v.Note, 500)))
	}
	return summary
}
