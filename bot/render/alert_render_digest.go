package render

import (
	"slices"
	"strings"
	"time"

	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
)

// A storm (more new alerts for one channel in one poll than the threshold) is posted as one
// digest message instead of a flood: counts by severity and the most severe alerts, then every
// alert listed in thread replies, DigestChunkSize at a time. None is dropped.
const (
	DigestChunkSize = 50
	digestTop       = 5
)

// Digest renders the parent message of a storm digest of alerts (in any order), whose
// full list follows in chunks thread replies.
func Digest(alerts []defender.Alert, chunks int, portal string, now time.Time) Message {
	b := &msgBuilder{now: now.UTC()}
	b.header("🚨 " + b.count(len(alerts), "new alert", "new alerts") + " at once")
	counts := map[defender.Severity]int{}
	for _, a := range alerts {
		counts[a.Severity]++
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
	sorted := slices.Clone(alerts)
	slices.SortStableFunc(sorted, SeverityOrder)
	lines := make([]string, 0, digestTop)
	for _, a := range sorted[:min(digestTop, len(sorted))] {
		lines = append(lines, b.alertLine(a, portal))
	}
	b.packed("*Most severe*", lines, budgetMessage/2, 2)
	b.context("Too many to post one by one: every alert is listed in this thread (" +
		b.count(chunks, "message", "messages") + "). An alert that changes later is posted in the thread with its own buttons.")
	text := "🚨 " + b.count(len(alerts), "new alert", "new alerts") + " at once; the list is in the thread."
	out := Message{Text: text, Blocks: b.blocks}
	fitLimits(&out)
	return out
}

// DigestChunk renders one thread reply of a digest: alerts from..from+len(alerts)-1 of
// total.
func DigestChunk(alerts []defender.Alert, from, total int, portal string, now time.Time) Message {
	b := &msgBuilder{now: now.UTC()}
	title := "*Alerts " + b.num(int64(from+1)) + "–" + b.num(int64(from+len(alerts))) + " of " + b.num(int64(total)) + "*"
	lines := make([]string, 0, len(alerts))
	for _, a := range alerts {
		lines = append(lines, b.alertLine(a, portal))
	}
	// A line is at most about 600 characters, so 50 fit in the message budget and in 49 blocks.
	if shown := b.packed(title, lines, budgetMessage+budgetMessage/2, limitBlocks-1); shown < len(lines) {
		// Never reached with digestChunk lines; listed as ids so that none is ever left out.
		var ids []string
		for _, a := range alerts[shown:] {
			ids = append(ids, a.ID)
		}
		b.section(commands.Truncate(b.code(strings.Join(ids, " "), limitSection-2), limitSection))
	}
	text := "Alerts " + b.num(int64(from+1)) + "–" + b.num(int64(from+len(alerts))) + " of " + b.num(int64(total))
	out := Message{Text: text, Blocks: b.blocks}
	fitLimits(&out)
	return out
}
