package render

import (
	"strconv"
	"strings"

	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
)

// machineCard renders a device card.
func (b *msgBuilder) machineCard(v commands.MachineView) string {
	m := v.Machine
	name := m.ComputerDNSName
	if name == "" {
		name = m.ID
	}
	if name == "" {
		name = "Unknown device"
	}
	b.header("🖥 " + name)
	b.fields(
		field{"OS", b.or(b.osLine(m))},
		field{"Health", b.or(b.inline(m.HealthStatus, 100))},
		field{"Risk score", b.or(b.inline(m.RiskScore, 100))},
		field{"Exposure", b.or(b.inline(m.ExposureLevel, 100))},
		field{"Device value", b.or(b.inline(m.DeviceValue, 100))},
		field{"Device group", b.or(b.inline(m.RBACGroupName, 300))},
		field{"Last seen", b.when(m.LastSeen.Time)},
		field{"Isolation", b.isolation(v.Isolation)},
		field{"Tags", b.or(b.list(m.MachineTags, 20, 100, b.inline))},
	)
	b.section(b.containedSection(v.Contained))
	b.section("*IP addresses*\n" + b.or(b.machineIPs(m)))
	b.section(b.openAlerts(v))
	b.section(b.pendingActions(v))
	if len(v.LogonUsers) > 0 {
		names := make([]string, 0, len(v.LogonUsers))
		for _, u := range v.LogonUsers {
			names = append(names, b.userName(u.AccountDomain, u.AccountName))
		}
		b.section("*Logged-on users*\n" + b.list(names, 10, 100, b.code))
	}
	joined := ""
	if m.IsAADJoined {
		joined = "Entra joined"
	}
	b.context(b.join("Device ID "+b.or(b.code(m.ID, 100)), "first seen "+b.when(m.FirstSeen.Time),
		b.inline(m.OnboardingStatus, 50), joined))
	b.actions("mde_machine_links", b.linkButton("Open in portal", b.portalURL(v.PortalURL, "machines", m.ID)))
	return "Device " + name
}

// osLine is "Windows11 22H2 · build 22621 · x64".
func (b *msgBuilder) osLine(m defender.Machine) string {
	build := ""
	if m.OSBuild != 0 {
		build = "build " + strconv.FormatInt(m.OSBuild, 10)
	}
	return b.join(b.inline(strings.TrimSpace(m.OSPlatform+" "+m.Version), 100), build,
		b.inline(m.OSArchitecture, 30))
}

// list formats up to limit distinct untrusted items with format (cutting each to width), within
// 1,000 characters in all, then "+N more".
func (b *msgBuilder) list(items []string, limit, width int, format func(string, int) string) string {
	const maxLen = 1000
	var out []string
	seen := make(map[string]bool)
	more, n := 0, 0
	for _, it := range items {
		if strings.TrimSpace(it) == "" || seen[it] {
			continue
		}
		seen[it] = true
		if len(out) == limit {
			more++
			continue
		}
		f := format(it, width)
		if n+textLen(f)+2 > maxLen {
			limit = len(out)
			more++
			continue
		}
		n += textLen(f) + 2
		out = append(out, f)
	}
	if more > 0 {
		out = append(out, "+"+b.num(int64(more))+" more")
	}
	return strings.Join(out, ", ")
}

// machineIPs lists the last, external and interface addresses, each once.
func (b *msgBuilder) machineIPs(m defender.Machine) string {
	var lines []string
	if m.LastIPAddress != "" {
		lines = append(lines, "last "+b.code(m.LastIPAddress, 60))
	}
	if m.LastExternalIPAddress != "" {
		lines = append(lines, "external "+b.code(m.LastExternalIPAddress, 60))
	}
	var ifaces []string
	for _, ip := range m.IPAddresses {
		if ip.IPAddress != m.LastIPAddress && ip.IPAddress != m.LastExternalIPAddress {
			ifaces = append(ifaces, ip.IPAddress)
		}
	}
	if s := b.list(ifaces, 10, 60, b.code); s != "" {
		lines = append(lines, "interfaces "+s)
	}
	return strings.Join(lines, " · ")
}

// isolation is the isolation state with its scope and since when.
func (b *msgBuilder) isolation(iso commands.Isolation) string {
	since := ""
	if !iso.Since.IsZero() {
		since = "\nsince " + b.when(iso.Since)
	}
	switch iso.State {
	case commands.Isolated:
		scope := ""
		if iso.Scope != "" {
			scope = " (" + b.inline(iso.Scope, 30) + ")"
		}
		return "🔒 Isolated" + scope + since
	case commands.NotIsolated:
		return "Not isolated" + since
	}
	return "unknown"
}

// openAlerts is the open alerts of a device: the count by severity and up to five titles.
func (b *msgBuilder) openAlerts(v commands.MachineView) string {
	switch {
	case v.AlertsUnknown:
		return "*Open alerts*\ncould not be read"
	case len(v.OpenAlerts) == 0:
		return "*Open alerts*\nnone"
	}
	bySev := make(map[defender.Severity]int)
	for _, a := range v.OpenAlerts {
		bySev[a.Severity]++
	}
	var counts []string
	for _, s := range []defender.Severity{defender.SeverityHigh, defender.SeverityMedium,
		defender.SeverityLow, defender.SeverityInformational} {
		if bySev[s] > 0 {
			counts = append(counts, b.num(int64(bySev[s]))+" "+string(s))
			delete(bySev, s)
		}
	}
	other := 0
	for _, n := range bySev {
		other += n
	}
	if other > 0 {
		counts = append(counts, b.num(int64(other))+" other")
	}
	lines := []string{"*Open alerts* (" + b.num(int64(len(v.OpenAlerts))) + "): " + strings.Join(counts, " · ")}
	for i, a := range v.OpenAlerts {
		if i == 5 {
			lines = append(lines, "… and "+b.num(int64(len(v.OpenAlerts)-5))+" more")
			break
		}
		if textLen(strings.Join(lines, "\n")) > limitSection-1000 {
			lines = append(lines, "… and "+b.num(int64(len(v.OpenAlerts)-i))+" more")
			break
		}
		emoji, _ := b.severityStyle(a.Severity)
		lines = append(lines, emoji+" "+b.join(b.inline(string(a.Severity), 20),
			b.link(b.portalURL(v.PortalURL, "alerts", a.ID), b.alertTitle(a), 150),
			b.ago(a.LastUpdateTime.Time)))
	}
	return strings.Join(lines, "\n")
}

// pendingActions is the actions still running on a device.
func (b *msgBuilder) pendingActions(v commands.MachineView) string {
	switch {
	case v.ActionsUnknown:
		return "*Pending actions*\ncould not be read"
	case len(v.Pending) == 0:
		return "*Pending actions*\nnone"
	}
	lines := []string{"*Pending actions* (" + b.num(int64(len(v.Pending))) + ")"}
	for i, a := range v.Pending {
		if i == 5 {
			lines = append(lines, "… and "+b.num(int64(len(v.Pending)-5))+" more")
			break
		}
		if textLen(strings.Join(lines, "\n")) > limitSection-1200 {
			lines = append(lines, "… and "+b.num(int64(len(v.Pending)-i))+" more")
			break
		}
		lines = append(lines, b.actionEmoji(a.Status)+" "+b.join("*"+b.inline(string(a.Type), 60)+"*",
			b.inline(string(a.Status), 30), "since "+b.when(a.CreationDateTimeUTC.Time),
			b.by(a.Requestor)))
	}
	return strings.Join(lines, "\n")
}

// by is "by <who>", or "" for nobody.
func (b *msgBuilder) by(who string) string {
	if who == "" {
		return ""
	}
	return "by " + b.inline(who, 100)
}

// alertTitle is the title of an alert, or its id when it has none.
func (b *msgBuilder) alertTitle(a defender.Alert) string {
	if strings.TrimSpace(a.Title) != "" {
		return a.Title
	}
	if a.ID != "" {
		return "Alert " + a.ID
	}
	return "Untitled alert"
}
