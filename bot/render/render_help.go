package render

import (
	"strings"

	"github.com/mdebot/mdebot/commands"
)

// help renders every verb grouped as look-ups, response actions and admin, or one verb in
// detail. Help text is written by us but escaped all the same; its `code` spans stay code.
func (b *msgBuilder) help(v commands.HelpView) string {
	if v.One != nil {
		return b.helpOne(v.One)
	}
	b.header("mdebot commands")
	groups := []struct {
		title string
		match func(*commands.Verb) bool
	}{
		{"Look-ups", func(x *commands.Verb) bool { return !x.Approval && x.Role == commands.Viewer }},
		{"Response actions (need approval)", func(x *commands.Verb) bool { return x.Approval }},
		{"Responder tools (no approval needed)", func(x *commands.Verb) bool { return !x.Approval && x.Role != commands.Viewer }},
	}
	budget := budgetMessage
	for _, g := range groups {
		var items []string
		for _, x := range v.Verbs {
			if x != nil && g.match(x) {
				items = append(items, b.code(x.UsageLine(), 200)+" "+commands.Truncate(b.escapeWithCode(commands.Truncate(x.Summary, 300)), 1000))
			}
		}
		if len(items) == 0 {
			continue
		}
		shown := b.packed("*"+g.title+"*", items, budget, 10)
		if shown < len(items) {
			b.context("… and " + b.num(int64(len(items)-shown)) + " more")
		}
		for _, it := range items[:shown] {
			budget -= textLen(it) + 1
		}
	}
	if len(v.Verbs) == 0 {
		b.section("No commands are available to you.")
	}
	b.context("Type `help &lt;verb&gt;` for the details of one command.")
	return "mdebot commands"
}

// helpOne renders one verb: usage, summary, details, role and approval.
func (b *msgBuilder) helpOne(x *commands.Verb) string {
	b.header(x.UsageLine())
	b.section(commands.Truncate(b.escapeWithCode(commands.Truncate(x.Summary, 1000)), 2000))
	var details []string
	for _, d := range x.Details {
		details = append(details, commands.Truncate(b.escapeWithCode(commands.Truncate(d, 1000)), 2000))
	}
	b.packed("", details, budgetMessage/2, 10)
	approval := "runs at once"
	if x.Approval {
		approval = "needs an approval by a second person"
	}
	b.context(b.join("Role: "+x.Role.String(), approval))
	return strings.TrimSpace(x.UsageLine())
}
