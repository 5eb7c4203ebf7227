package render

import (
	"strconv"
	"strings"
	"time"

	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
	"github.com/slack-go/slack"
)

// Button action ids of the reminder before a containment ends; their values carry only the
// request id, and each runs the typed command it stands for as the person who clicked.
const (
	ActionExtend     = "mde_extend"
	ActionReleaseNow = "mde_release_now"
)

// until writes an end for people: "14:30 UTC (in 3h 12m)", with the date when it is not today.
func (b *msgBuilder) until(t time.Time) string {
	t = t.UTC()
	s := t.Format("15:04 UTC")
	if y, m, d := t.Date(); y != b.now.Year() || m != b.now.Month() || d != b.now.Day() {
		s = t.Format("2006-01-02 15:04 UTC")
	}
	left := t.Sub(b.now).Round(time.Minute)
	switch {
	case left <= 0:
		return s + " (now)"
	case left < time.Hour:
		return s + " (in " + strconv.Itoa(int(left/time.Minute)) + "m)"
	}
	h, m := int(left/time.Hour), int(left%time.Hour/time.Minute)
	if m == 0 {
		return s + " (in " + strconv.Itoa(h) + "h)"
	}
	return s + " (in " + strconv.Itoa(h) + "h " + strconv.Itoa(m) + "m)"
}

// containedWord is "isolated" or "restricted".
func containedWord(verb string) string {
	if verb == "restrict" {
		return "restricted"
	}
	return "isolated"
}

// containLine says where a time-boxed containment is: until when, or how it ended. It is ""
// for a request without an end.
func (b *msgBuilder) containLine(ap commands.Approval) string {
	r, c := ap.Request, ap.Contain
	if r.ContainFor <= 0 || commands.UndoVerb(r.Verb) == "" {
		return ""
	}
	word := containedWord(r.Verb)
	switch string(c.State) {
	case "":
		if ap.State == commands.ApprovalDenied || ap.State == commands.ApprovalExpired || ap.State == commands.ApprovalFailed {
			return ""
		}
		return "⏱ *Time-boxed:* " + word + " for " + b.inline(commandsDuration(r.ContainFor), 20) +
			" from when it runs; this approval also covers the " + b.inline(commands.UndoVerb(r.Verb), 20) + " at the end."
	case "scheduled":
		s := "⏱ *" + strings.ToUpper(word[:1]) + word[1:] + " until " + b.until(c.Until) + "*, requested by " + b.user(ap.Requester)
		if c.Extensions > 0 {
			s += " · extended " + strconv.Itoa(c.Extensions) + "×"
		}
		return s + "\n`extend " + ap.ID + " <reason>` moves the end; `cancel " + ap.ID + " <reason>` keeps it " + word + "."
	case "releasing":
		return "⏳ *Releasing:* the end came at " + b.when(c.Until) + "; mdebot is sending the " + b.inline(commands.UndoVerb(r.Verb), 20) + "."
	case "released":
		s := b.actionEmoji(defender.ActionStatus(c.ActionStatus)) + " *Released on time* (" + b.when(c.At) + "): " + b.inline(c.Result, 300)
		if c.ActionID != "" {
			s += "\n*Defender action* " + b.code(c.ActionID, 60) + " · " + b.or(b.inline(c.ActionStatus, 30))
		}
		return s
	case "skipped":
		return "ℹ️ *Not released by mdebot* (" + b.when(c.At) + "): " + b.inline(c.Result, 400)
	case "failed":
		return "❌ *Release failed:* " + b.inline(c.Result, 400)
	case "cancelled":
		return "🚫 *Timed release cancelled* by " + b.user(c.By) + ": " + b.inline(c.Reason, 300) + ". The device stays " + word + " until someone releases it."
	case "superseded":
		return "🔓 *Released early* by " + b.user(c.By) + " (" + b.inline(c.Reason, 100) + ")."
	}
	return ""
}

// containedSection is a device card's line on its time-boxed containments.
func (b *msgBuilder) containedSection(aps []commands.Approval) string {
	var lines []string
	for _, ap := range aps[:min(len(aps), 5)] {
		lines = append(lines, "⏱ "+containedWord(ap.Request.Verb)+" until "+b.until(ap.Contain.Until)+", requested by "+
			b.user(ap.Requester)+" ("+b.code(ap.ID, 20)+")")
	}
	if len(lines) == 0 {
		return ""
	}
	return "*Time-boxed containment*\n" + strings.Join(lines, "\n")
}

// timedSection lists the releases still to come in an action list.
func (b *msgBuilder) timedSection(aps []commands.Approval) string {
	var lines []string
	for _, ap := range aps[:min(len(aps), 10)] {
		lines = append(lines, "⏱ *"+b.inline(commands.UndoVerb(ap.Request.Verb), 20)+"* of "+b.code(ap.Request.MachineName, 100)+" at "+
			b.until(ap.Contain.Until)+", requested by "+b.user(ap.Requester)+" · "+b.code(ap.ID, 20)+" · "+b.inline(string(ap.Contain.State), 20))
	}
	if len(lines) == 0 {
		return ""
	}
	head := "*Timed releases to come* (`cancel <request id> <reason>` keeps a device contained)"
	if len(aps) > len(lines) {
		head += ", the first " + strconv.Itoa(len(lines)) + " of " + strconv.Itoa(len(aps))
	}
	return head + "\n" + strings.Join(lines, "\n")
}

// Reminder is the thread reply before a containment ends, with Extend 4h and Release now.
func Reminder(ap commands.Approval, now time.Time) Message {
	b := &msgBuilder{now: now.UTC()}
	word := containedWord(ap.Request.Verb)
	text := b.user(ap.Requester) + " ⏱ " + b.code(ap.Request.MachineName, 200) + " is " + word + " until " + b.until(ap.Contain.Until) +
		"; mdebot then sends the " + b.inline(commands.UndoVerb(ap.Request.Verb), 20) + " under this approval. Each button follows the approval policy of its verb, like a typed request."
	b.section(text)
	extend := slack.NewButtonBlockElement(ActionExtend, ap.ID, b.plain("Extend 4h", limitButtonText))
	release := slack.NewButtonBlockElement(ActionReleaseNow, ap.ID, b.plain("Release now", limitButtonText)).WithStyle(slack.StyleDanger)
	b.actions("mde_timed", extend, release)
	return Message{Text: text, Blocks: b.blocks}
}

// ReleaseLine says in escaped mrkdwn what happened at a containment's end.
func ReleaseLine(ap commands.Approval, now time.Time) string {
	b := &msgBuilder{now: now.UTC()}
	return b.containLine(ap)
}

func commandsDuration(d time.Duration) string {
	s := d.String()
	s = strings.TrimSuffix(strings.TrimSuffix(s, "0s"), "0m")
	if d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	return s
}
