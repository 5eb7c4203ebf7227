package render

import (
	"strings"
	"time"

	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
	"github.com/slack-go/slack"
)

// Action ids of the buttons on an alert message. Each value is the alert id (Isolate's is
// "<device id>|<alert id>", the Resolve menu's option values "<classification>|<alert id>");
// nothing in them is trusted: the handlers check the clicker's role at click time.
const (
	// ActionAlertIsolate opens the approval flow to isolate the alert's device.
	ActionAlertIsolate = "alert_isolate"
	ActionAlertAssign  = "alert_assign"
	ActionAlertResolve = "alert_resolve"
	alertActionsBlock  = "alert_actions"
	// maxOptionValue is Slack's limit on a select option's value.
	maxOptionValue = 150
)

// resolveChoices are the Resolve menu's options: MDE's classifications.
func resolveChoices() []struct{ class, label string } {
	return []struct{ class, label string }{
		{string(defender.TruePositive), "True positive"},
		{string(defender.InformationalExpectedActivity), "Informational, expected activity"},
		{string(defender.FalsePositive), "False positive"},
	}
}

// NoticeOptions shape an alert's message.
type NoticeOptions struct {
	Portal string
	// Buttons adds Isolate device, Assign to me and the Resolve menu (response actions are on);
	// without it the message only links to the portal.
	Buttons bool
	// MovedTo are the channels the alert goes to now, when the message is in a channel it left:
	// the message says so and keeps only the portal link.
	MovedTo []string
}

// AlertNotice renders the message an alert is posted as: title, summary and buttons in the
// message, the details beside a colour bar for the severity.
func AlertNotice(a defender.Alert, o NoticeOptions, now time.Time) Message {
	portal := o.Portal
	b := &msgBuilder{now: now.UTC()}
	emoji, color := b.severityStyle(a.Severity)
	title := b.alertTitle(a)
	b.header(emoji + " " + title)
	severity := "*" + b.or(b.inline(string(a.Severity), 30)) + "*"
	status := b.inline(string(a.Status), 30)
	if a.Status == defender.StatusResolved {
		status = "✅ " + status
	}
	activity := ""
	if !a.LastEventTime.IsZero() {
		activity = "last activity " + b.ago(a.LastEventTime.Time)
	}
	b.section(b.join(severity, status, b.assigned(a.AssignedTo), b.code(a.ComputerDNSName, 200), activity))
	if len(o.MovedTo) > 0 {
		b.context("➡️ Moved to " + b.channelLinks(o.MovedTo) + ", where it is followed now. This message is kept up to date.")
	}
	b.alertButtons(a, portal, o.Buttons && len(o.MovedTo) == 0)

	d := &msgBuilder{now: b.now}
	d.noticeDetails(a, portal)
	b.attachments = append(b.attachments, slack.Attachment{Color: color, Blocks: slack.Blocks{BlockSet: d.blocks}})
	text := emoji + " " + b.join(string(a.Severity), title, a.ComputerDNSName)
	out := Message{Text: commands.Truncate(commands.EscapeMrkdwn(text), limitText), Blocks: b.blocks, Attachments: b.attachments}
	fitLimits(&out)
	return out
}

// alertButtons adds Isolate device, Assign to me, the Resolve menu (when actions is set) and
// Open in portal. A resolved alert keeps only the portal link.
func (b *msgBuilder) alertButtons(a defender.Alert, portal string, actions bool) {
	var elems []slack.BlockElement
	open := actions && a.Status != defender.StatusResolved
	if open && b.isMachineID(a.MachineID) && len(a.ID)+41 <= limitValue {
		btn := slack.NewButtonBlockElement(ActionAlertIsolate, a.MachineID+"|"+a.ID, b.plain("Isolate device", limitButtonText))
		elems = append(elems, btn.WithStyle(slack.StyleDanger))
	}
	if open && len(a.ID) <= limitValue {
		elems = append(elems, slack.NewButtonBlockElement(ActionAlertAssign, a.ID, b.plain("Assign to me", limitButtonText)))
	}
	if open && len(string(defender.InformationalExpectedActivity))+1+len(a.ID) <= maxOptionValue {
		var opts []*slack.OptionBlockObject
		for _, c := range resolveChoices() {
			opts = append(opts, slack.NewOptionBlockObject(c.class+"|"+a.ID, b.plain(c.label, 75), nil))
		}
		elems = append(elems, slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, b.plain("Resolve as…", 75), ActionAlertResolve, opts...))
	}
	if link := b.linkButton("Open in portal", b.portalURL(portal, "alerts", a.ID)); link != nil {
		elems = append(elems, link)
	}
	if len(elems) > 0 {
		b.add(slack.NewActionBlock(alertActionsBlock, elems...))
	}
}

// noticeDetails adds the fields, techniques, a short description, the evidence and the ids.
func (b *msgBuilder) noticeDetails(a defender.Alert, portal string) {
	user, incident := b.userAndIncident(a)
	device := b.link(b.portalURL(portal, "machines", a.MachineID), b.titleOr(a.ComputerDNSName, a.MachineID), 200)
	b.fields(
		field{"Device", device},
		field{"Device group", b.inline(a.RBACGroupName, 100)},
		field{"User", user},
		field{"Category", b.inline(a.Category, 100)},
		field{"Detection source", b.inline(a.DetectionSource, 100)},
		field{"Incident", incident},
		field{"Classification", b.inline(b.join(string(a.Classification), a.Determination), 200)},
		field{"Events", "first " + b.when(a.FirstEventTime.Time) + "\nlast " + b.when(a.LastEventTime.Time)},
	)
	b.alertFacts(a)
	if strings.TrimSpace(a.Description) != "" {
		b.section(commands.Truncate(commands.EscapeMrkdwn(commands.Truncate(a.Description, 600)), 1000))
	}
	b.evidence(a.Evidence)
	b.context(b.join("Alert ID "+b.or(b.code(a.ID, 100)), "created "+b.when(a.AlertCreationTime.Time),
		"updated "+b.when(a.LastUpdateTime.Time)))
}

// AlertChange renders the thread reply that says what changed in an alert.
func AlertChange(a defender.Alert, cs []Change, now time.Time) Message {
	b := &msgBuilder{now: now.UTC()}
	lines := make([]string, 0, len(cs))
	for _, c := range cs {
		lines = append(lines, "*"+c.Field+"* "+b.or(b.inline(c.From, 200))+" → "+b.or(b.inline(c.To, 200)))
	}
	b.section("🔄 " + strings.Join(lines, "\n"))
	b.context("Changed in Defender " + b.when(a.LastUpdateTime.Time) + " · the message above shows it now")
	text := "Alert changed: " + b.alertTitle(a)
	out := Message{Text: commands.Truncate(commands.EscapeMrkdwn(text), limitText), Blocks: b.blocks}
	fitLimits(&out)
	return out
}

// ChangeSummary renders the one message that replaces the thread replies when many
// alerts of a channel changed in one poll: their messages are edited, and this says how.
func ChangeSummary(n int, counts []ChangeCount, now time.Time) Message {
	b := &msgBuilder{now: now.UTC()}
	b.section("🔄 *" + b.count(n, "alert changed", "alerts changed") + " in Defender at once.* Their messages above are edited in place; there is no reply for each.")
	lines := make([]string, 0, len(counts))
	for i, c := range counts {
		if i == 15 {
			lines = append(lines, "… and "+b.num(int64(len(counts)-i))+" more kinds of change")
			break
		}
		lines = append(lines, "• *"+c.Field+"* → "+b.or(b.inline(c.To, 100))+": "+b.num(int64(c.N)))
	}
	b.section(strings.Join(lines, "\n"))
	out := Message{Text: b.count(n, "alert changed", "alerts changed"), Blocks: b.blocks}
	fitLimits(&out)
	return out
}

// ChangeCount is how many alerts had one field change to one value.
type ChangeCount struct {
	Field, To string
	N         int
}

// SeverityOrder sorts alerts most severe first.
func SeverityOrder(a, b defender.Alert) int {
	if d := b.Severity.Rank() - a.Severity.Rank(); d != 0 {
		return d
	}
	return a.LastUpdateTime.Compare(b.LastUpdateTime.Time)
}

// alertLine is one alert as a line of a digest: severity, title linked to the portal, device,
// status and id.
func (b *msgBuilder) alertLine(a defender.Alert, portal string) string {
	emoji, _ := b.severityStyle(a.Severity)
	title := b.link(b.portalURL(portal, "alerts", a.ID), b.alertTitle(a), 120)
	return "• " + emoji + " " + b.join(title, b.code(a.ComputerDNSName, 80), b.inline(string(a.Status), 20), b.code(a.ID, 60))
}

// KnownClassification reports whether class is one of the Resolve menu's options.
func KnownClassification(class string) bool {
	for _, c := range resolveChoices() {
		if c.class == class {
			return true
		}
	}
	return false
}

// Change is one visible field that changed.
type Change struct {
	Field, From, To string
}
