package render

import (
	"strconv"
	"strings"

	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
	"github.com/slack-go/slack"
)

// alertCard renders one alert: the title and a summary line in the message, and the details
// beside a colour bar for the severity.
func (b *msgBuilder) alertCard(v commands.AlertView) string {
	a := v.Alert
	emoji, color := b.severityStyle(a.Severity)
	title := b.alertTitle(a)
	b.header(emoji + " " + title)
	severity := "*" + b.inline(string(a.Severity), 30) + "*"
	if a.Severity == "" {
		severity = "Unknown severity"
	}
	activity := ""
	if !a.LastEventTime.IsZero() {
		activity = "last activity " + b.ago(a.LastEventTime.Time)
	}
	b.section(b.join(severity, b.inline(string(a.Status), 30), b.assigned(a.AssignedTo),
		b.code(a.ComputerDNSName, 200), activity))

	d := &msgBuilder{now: b.now}
	d.alertDetails(v)
	b.attachments = append(b.attachments, slack.Attachment{Color: color, Blocks: slack.Blocks{BlockSet: d.blocks}})
	return "Alert: " + title
}

// assigned is "assigned to x" or "unassigned".
func (b *msgBuilder) assigned(who string) string {
	if who == "" {
		return "unassigned"
	}
	return "assigned to " + b.inline(who, 100)
}

// alertDetails adds the fields, description, techniques, evidence and buttons of an alert.
func (b *msgBuilder) alertDetails(v commands.AlertView) {
	a := v.Alert
	user, incident := b.userAndIncident(a)
	device := b.or(b.link(b.portalURL(v.PortalURL, "machines", a.MachineID), b.titleOr(a.ComputerDNSName, a.MachineID), 200))
	if a.ComputerDNSName == "" && a.MachineID == "" {
		device = "—"
	}
	b.fields(
		field{"Status", b.or(b.inline(string(a.Status), 50))},
		field{"Assigned to", b.or(b.inline(a.AssignedTo, 200))},
		field{"Classification", b.or(b.inline(string(a.Classification), 100))},
		field{"Determination", b.or(b.inline(a.Determination, 100))},
		field{"Category", b.or(b.inline(a.Category, 100))},
		field{"Detection source", b.or(b.inline(a.DetectionSource, 100))},
		field{"Device", device},
		field{"User", b.or(user)},
		field{"Incident", b.or(incident)},
		field{"Events", "first " + b.when(a.FirstEventTime.Time) + "\nlast " + b.when(a.LastEventTime.Time)},
	)
	b.alertFacts(a)
	if strings.TrimSpace(a.Description) != "" {
		b.section("*Description*\n" + commands.Truncate(commands.EscapeMrkdwn(commands.Truncate(a.Description, 1200)), 2000))
	}
	b.evidence(a.Evidence)
	if n := len(a.Comments); n > 0 {
		last := a.Comments[n-1]
		b.context(b.join("💬 "+b.count(n, "comment", "comments"), "latest "+b.by(last.CreatedBy),
			b.ago(last.CreatedTime.Time)+": "+b.inline(last.Comment, 300)))
	}
	b.context(b.join("Alert ID "+b.or(b.code(a.ID, 100)), "created "+b.when(a.AlertCreationTime.Time),
		"updated "+b.when(a.LastUpdateTime.Time)))
	var card *slack.ButtonBlockElement
	if b.isMachineID(a.MachineID) {
		card = b.runButton("Device card", "machine "+a.MachineID)
	}
	b.actions("mde_alert_links", b.linkButton("Open in portal", b.portalURL(v.PortalURL, "alerts", a.ID)), card)
}

// evidenceGroup is the evidence of one entity type.
type evidenceGroup struct {
	title string
	lines []string
}

// evidence adds one section per entity type, within the message budget.
func (b *msgBuilder) evidence(ev []defender.Evidence) {
	order := []string{"Files", "Processes", "IP addresses", "URLs", "Users", "Registry", "Other evidence"}
	groups := make(map[string]*evidenceGroup)
	seen := make(map[string]bool)
	for _, e := range ev {
		title, line := b.evidenceLine(e)
		if line == "" || seen[title+line] {
			continue
		}
		seen[title+line] = true
		g := groups[title]
		if g == nil {
			g = &evidenceGroup{title: title}
			groups[title] = g
		}
		g.lines = append(g.lines, line)
	}
	budget := budgetMessage / 2
	for _, t := range order {
		g := groups[t]
		if g == nil {
			continue
		}
		head := "*" + g.title + "* (" + b.num(int64(len(g.lines))) + ")"
		room := min(limitSection, budget) - textLen(head) - 40
		text := head
		shown := 0
		for _, l := range g.lines {
			if textLen(text)+1+textLen(l) > textLen(head)+room {
				break
			}
			text += "\n" + l
			shown++
		}
		if rest := len(g.lines) - shown; rest > 0 {
			text += "\n… and " + b.num(int64(rest)) + " more"
		}
		b.section(text)
		budget -= textLen(text)
		if budget < 200 {
			break
		}
	}
}

// evidenceLine is the group and the escaped line of one piece of evidence.
func (b *msgBuilder) evidenceLine(e defender.Evidence) (group, line string) {
	status := b.inline(e.DetectionStatus, 40)
	switch strings.ToLower(e.EntityType) {
	case "file":
		return "Files", "• " + b.join(b.code(b.filePath(e.FilePath, e.FileName), 300),
			b.labelled("SHA1", b.code(e.SHA1, 64)), status)
	case "process":
		parent := ""
		if e.ParentProcessFileName != "" {
			parent = "parent " + b.code(e.ParentProcessFileName, 100)
		}
		pid := ""
		if e.ProcessID != 0 {
			pid = "PID " + strconv.FormatInt(e.ProcessID, 10)
		}
		l := "• " + b.join(b.or(b.code(b.filePath(e.FilePath, e.FileName), 200)), pid, parent,
			b.labelled("SHA1", b.code(e.SHA1, 64)), status)
		if cmd := b.code(e.ProcessCommandLine, 300); cmd != "" {
			l += "\n    " + cmd
		}
		return "Processes", l
	case "ip":
		return "IP addresses", "• " + b.join(b.code(e.IPAddress, 60), status)
	case "url":
		return "URLs", "• " + b.join(b.code(e.URL, 300), status)
	case "user":
		return "Users", "• " + b.join(b.code(b.userName(e.DomainName, e.AccountName), 150),
			b.inline(e.UserPrincipalName, 150), b.labelled("SID", b.code(e.UserSID, 100)), status)
	case "registry", "registrykey", "registryvalue":
		key := b.filePath(e.RegistryHive, e.RegistryKey)
		return "Registry", "• " + b.join(b.code(key, 300), b.labelled("value", b.code(e.RegistryValue, 200)),
			b.inline(e.RegistryValueType, 40), status)
	}
	what := ""
	for _, s := range []string{e.FileName, e.IPAddress, e.URL, e.AccountName, e.SHA1, e.RegistryKey} {
		if s != "" {
			what = b.code(s, 200)
			break
		}
	}
	return "Other evidence", "• " + b.join(b.or(b.inline(e.EntityType, 50)), what, status)
}

// labelled is "label value", or "" without a value.
func (b *msgBuilder) labelled(label, value string) string {
	if value == "" {
		return ""
	}
	return label + " " + value
}

// filePath joins a directory and a file name with a backslash, or returns whichever is set.
func (b *msgBuilder) filePath(dir, name string) string {
	switch {
	case dir == "":
		return name
	case name == "", strings.HasSuffix(strings.ToLower(dir), strings.ToLower(name)):
		return dir
	}
	return strings.TrimRight(dir, `\/`) + `\` + name
}

// isMachineID reports whether s has the shape of an MDE device ID (40 hex digits); only such an
// ID goes into a button's command.
func (b *msgBuilder) isMachineID(s string) bool {
	if len(s) != 40 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
			return false
		}
	}
	return true
}

// alertFacts adds the alert's MITRE techniques and threat names, when it has any; the alert card
// and the alert notification share it.
func (b *msgBuilder) alertFacts(a defender.Alert) {
	var facts []string
	if len(a.MitreTechniques) > 0 {
		facts = append(facts, "*MITRE ATT&amp;CK* "+b.list(a.MitreTechniques, 15, 40, b.inline))
	}
	if a.ThreatFamilyName != "" || a.ThreatName != "" {
		facts = append(facts, "*Threat* "+b.join(b.inline(a.ThreatFamilyName, 200), b.inline(a.ThreatName, 200)))
	}
	b.section(commands.Truncate(strings.Join(facts, "\n"), limitSection))
}

// userAndIncident are an alert's related user (in code) and incident number, "" when it has none.
func (b *msgBuilder) userAndIncident(a defender.Alert) (user, incident string) {
	if a.RelatedUser != nil {
		user = b.code(b.userName(a.RelatedUser.DomainName, a.RelatedUser.UserName), 200)
	}
	if a.IncidentID != 0 {
		incident = "#" + strconv.FormatInt(a.IncidentID, 10)
	}
	return user, incident
}
