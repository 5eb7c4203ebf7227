package render

import (
	"strings"

	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
)

// itemList renders a list: the title, a count, the items packed in sections within the message
// budget, and the More button. Items left out for size are counted back from the More offset,
// so the next page starts with them.
func (b *msgBuilder) itemList(title, one, many string, items []string, more *commands.More) string {
	b.header(title)
	if len(items) == 0 {
		b.section("No results.")
		b.moreButton(more, 0)
		return title + ": no results"
	}
	const maxSections = 40
	var head strings.Builder
	head.WriteString(b.count(len(items), one, many))
	if more != nil {
		head.WriteString(" on this page")
	}
	b.context(head.String())
	shown := b.packed("", items, budgetMessage, maxSections)
	if hidden := len(items) - shown; hidden > 0 {
		b.context("Showing the first " + b.num(int64(shown)) + ".")
		b.moreButton(more, hidden)
	} else {
		b.moreButton(more, 0)
	}
	return title + ": " + b.count(len(items), one, many)
}

// alertList renders a list of alerts, one line of title and one of facts each.
func (b *msgBuilder) alertList(v commands.AlertListView) string {
	items := make([]string, 0, len(v.Alerts))
	for _, a := range v.Alerts {
		items = append(items, b.alertItem(a, v.PortalURL))
	}
	return b.itemList(b.titleOr(v.Title, "Alerts"), "alert", "alerts", items, v.More)
}

// alertItem is two lines about an alert: its linked title, then severity, status, device, user
// and time.
func (b *msgBuilder) alertItem(a defender.Alert, portal string) string {
	emoji, _ := b.severityStyle(a.Severity)
	user := ""
	if a.RelatedUser != nil {
		user = b.code(b.userName(a.RelatedUser.DomainName, a.RelatedUser.UserName), 80)
	}
	return emoji + " *" + b.link(b.portalURL(portal, "alerts", a.ID), b.alertTitle(a), 150) + "*\n" +
		b.join(b.inline(string(a.Severity), 20), b.inline(string(a.Status), 30), b.code(a.ComputerDNSName, 80),
			user, b.inline(a.Category, 50), b.ago(a.LastUpdateTime.Time), b.code(a.ID, 60))
}

// machineList renders a list of devices.
func (b *msgBuilder) machineList(v commands.MachineListView) string {
	items := make([]string, 0, len(v.Machines))
	for _, m := range v.Machines {
		name := m.ComputerDNSName
		if name == "" {
			name = m.ID
		}
		risk, exposure := "", ""
		if m.RiskScore != "" {
			risk = "risk " + b.inline(m.RiskScore, 30)
		}
		if m.ExposureLevel != "" {
			exposure = "exposure " + b.inline(m.ExposureLevel, 30)
		}
		items = append(items, "🖥 *"+b.or(b.inline(name, 100))+"*\n"+
			b.join(b.inline(m.OSPlatform, 50), b.inline(m.HealthStatus, 40), risk, exposure,
				b.inline(m.RBACGroupName, 60), b.list(m.MachineTags, 3, 30, b.inline),
				b.code(m.LastIPAddress, 45), "seen "+b.ago(m.LastSeen.Time), b.code(m.ID, 45)))
	}
	return b.itemList(b.titleOr(v.Title, "Devices"), "device", "devices", items, v.More)
}

// indicatorList renders a list of custom indicators.
func (b *msgBuilder) indicatorList(v commands.IndicatorListView) string {
	items := make([]string, 0, len(v.Indicators))
	for _, in := range v.Indicators {
		expires := "never expires"
		if !in.ExpirationTime.IsZero() {
			expires = "expires " + b.when(in.ExpirationTime.Time)
		}
		creator := in.CreatedByDisplayName
		if creator == "" {
			creator = in.CreatedBy
		}
		by := ""
		if creator != "" {
			by = "by " + b.inline(creator, 60)
		}
		items = append(items, b.indicatorEmoji(in.Action)+" *"+b.or(b.inline(string(in.Action), 40))+"* "+
			b.join(b.inline(string(in.IndicatorType), 40), b.or(b.code(in.IndicatorValue, 150)),
				b.inline(in.Title, 80))+"\n"+
			b.join(expires, by, "created "+b.ago(in.CreationTime.Time),
				b.list(in.RBACGroupNames, 3, 30, b.inline), "ID "+b.or(b.code(string(in.ID), 60))))
	}
	return b.itemList(b.titleOr(v.Title, "Indicators"), "indicator", "indicators", items, v.More)
}

// indicatorEmoji marks what an indicator does.
func (b *msgBuilder) indicatorEmoji(a defender.IndicatorAction) string {
	switch a {
	case defender.IndicatorBlock, defender.IndicatorBlockAndRemediate:
		return "🚫"
	case defender.IndicatorAllowed:
		return "✅"
	case defender.IndicatorWarn:
		return "⚠️"
	case defender.IndicatorAudit:
		return "👁"
	}
	return "•"
}

// titleOr is title, or def when title is empty.
func (b *msgBuilder) titleOr(title, def string) string {
	if strings.TrimSpace(title) == "" {
		return def
	}
	return title
}
