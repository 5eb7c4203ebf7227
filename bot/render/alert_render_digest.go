package render

import (
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
)

// A storm (more new alerts for one channel in one poll than the threshold) is posted as one
// digest message instead of a flood: counts by severity and the most severe alerts, then every
// alert listed in thread replies, one compact line each (severity, linked title, device), as
// many to a reply as Slack takes. None is dropped. Slack's limits, from its docs: at most 50
// blocks a message, a section's text at most 3,000 characters (Block Kit reference, section
// block, https://api.slack.com/reference/block-kit/blocks#section), and messages of more than
// 40,000 characters are truncated (chat.postMessage, text argument). A page keeps all of its
// text, blocks and fallback together, within digestPageBudget.
const (
	digestTop = 5
	// digestPageBudget is the text of one page, all sections together: under 40,000 with room
	// for the fallback text and markup.
	digestPageBudget = 38000
	// digestTitleRoom is kept in a page's first section for its title.
	digestTitleRoom = 60
	// DigestCSVAfter is how many pages a digest may run to without a CSV of the whole list.
	DigestCSVAfter = 3
)

// DigestList is the alerts of a digest, read one at a time (At(0) to At(N-1)), so that a
// storm's list is never copied whole: At may build each alert as it is asked for.
type DigestList struct {
	N  int
	At func(i int) defender.Alert
}

// Digest renders the parent message of a storm digest of the alerts of l (in any order),
// whose full list follows in pages thread replies, and in a CSV file in the thread when csv
// is set.
func Digest(l DigestList, pages int, csv bool, portal string, now time.Time) Message {
	b := &msgBuilder{now: now.UTC()}
	b.header("🚨 " + b.count(l.N, "new alert", "new alerts") + " at once")
	counts := map[defender.Severity]int{}
	var top []defender.Alert // the digestTop first in SeverityOrder, the earliest first among equals
	for i := range l.N {
		a := l.At(i)
		counts[a.Severity]++
		j := len(top)
		for j > 0 && SeverityOrder(a, top[j-1]) < 0 {
			j--
		}
		if j < digestTop {
			top = slices.Insert(top, j, a)
			top = top[:min(len(top), digestTop)]
		}
	}
	var parts []string
	for _, s := range []defender.Severity{defender.SeverityHigh, defender.SeverityMedium, defender.SeverityLow,
		defender.SeverityInformational, defender.SeverityUnspecified} {
		if n := counts[s]; n > 0 {
			emoji, _ := b.severityStyle(s)
			parts = append(parts, emoji+" *"+string(s)+"* "+b.num(int64(n)))
		}
	}
	b.section(strings.Join(parts, " · "))
	lines := make([]string, 0, digestTop)
	for _, a := range top {
		lines = append(lines, b.alertLine(a, portal))
	}
	b.packed("*Most severe*", lines, budgetMessage/2, 2)
	where := "every alert is listed in this thread (" + b.count(pages, "message", "messages") + ")"
	if csv {
		where = "every alert is listed in this thread (" + b.count(pages, "message", "messages") + ", and all of them in the attached CSV)"
	}
	b.context("Too many to post one by one: " + where + ". An alert that changes later is posted in the thread with its own buttons.")
	text := "🚨 " + b.count(l.N, "new alert", "new alerts") + " at once; the list is in the thread."
	out := Message{Text: text, Blocks: b.blocks}
	fitLimits(&out)
	return out
}

// DigestPage is one thread reply of a digest: alerts From..From+N-1 of the list.
type DigestPage struct {
	From, N int
	Msg     Message
}

// DigestPages renders, one at a time as they are asked for, the thread replies listing the
// alerts of l (in its order), each as full as Slack's limits allow; every alert is on exactly
// one page. Only one page's lines are held at a time.
func DigestPages(l DigestList, portal string, now time.Time) iter.Seq[DigestPage] {
	return func(yield func(DigestPage) bool) {
		b := &msgBuilder{now: now.UTC()}
		total := b.num(int64(l.N))
		for from := 0; from < l.N; {
			sections, n := packPage(l.N-from, func(i int) string { return b.digestLine(l.At(from+i), portal) }, false)
			span := b.num(int64(from+1)) + "–" + b.num(int64(from+n)) + " of " + total
			sections[0] = "*Alerts " + span + "*\n" + sections[0]
			pb := &msgBuilder{now: b.now}
			for _, s := range sections {
				pb.section(s)
			}
			msg := Message{Text: "Alerts " + span, Blocks: pb.blocks}
			fitLimits(&msg)
			if !yield(DigestPage{From: from, N: n, Msg: msg}) {
				return
			}
			from += n
		}
	}
}

// DigestPageCount is how many pages DigestPages makes of l.
func DigestPageCount(l DigestList, portal string, now time.Time) int {
	b := &msgBuilder{now: now.UTC()}
	pages := 0
	for from := 0; from < l.N; pages++ {
		_, n := packPage(l.N-from, func(i int) string { return b.digestLine(l.At(from+i), portal) }, true)
		from += n
	}
	return pages
}

// packPage puts as many of the count lines line(0), line(1) ... (at least one) as fit one page
// into sections: each section within Slack's 3,000 characters (the first keeps room for the
// title), at most limitBlocks of them, and all of them within digestPageBudget. With measure
// set it only counts them (n), building no section.
func packPage(count int, line func(i int) string, measure bool) (sections []string, n int) {
	var cur strings.Builder
	inCur, full := 0, 0 // lines in the current section; sections before it
	curLen, used := digestTitleRoom, digestTitleRoom
	for i := range count {
		line := line(i)
		l := textLen(line)
		if inCur > 0 && curLen+1+l > limitSection {
			if full+1 >= limitBlocks {
				break
			}
			if !measure {
				sections = append(sections, cur.String())
			}
			cur = strings.Builder{}
			inCur, curLen, full = 0, 0, full+1
		}
		if n > 0 && used+1+l > digestPageBudget {
			break
		}
		if !measure {
			if inCur > 0 {
				cur.WriteByte('\n')
			}
			cur.WriteString(line)
		}
		inCur, curLen, used, n = inCur+1, curLen+1+l, used+1+l, n+1
	}
	return append(sections, cur.String()), n
}

// digestLine is an alert's compact line in a digest: severity, the title linking to the portal,
// and the device. Its length is bounded (the title and the device are cut), so that it always
// fits a section with the page's title.
func (b *msgBuilder) digestLine(a defender.Alert, portal string) string {
	emoji, _ := b.severityStyle(a.Severity)
	link := b.portalURL(portal, "alerts", a.ID)
	device, id := "", ""
	if a.ComputerDNSName != "" {
		device = " · " + b.device(a.ComputerDNSName)
	}
	if link == "" { // no link to carry the id: show it
		id = " · " + b.code(a.ID, 100)
	}
	return commands.Truncate(emoji+" "+b.link(link, b.alertTitle(a), 100)+device+id, limitSection-digestTitleRoom-1)
}

// device is a device's name for a digest line, escaped once per builder (a storm's thousands
// of alerts come from far fewer devices).
func (b *msgBuilder) device(dns string) string {
	if s, ok := b.devices[dns]; ok {
		return s
	}
	if b.devices == nil {
		b.devices = map[string]string{}
	}
	s := b.inline(dns, 60)
	if len(b.devices) < maxDevicesKept {
		b.devices[dns] = s
	}
	return s
}

// maxDevicesKept bounds how many devices' names a builder keeps escaped.
const maxDevicesKept = 1000
