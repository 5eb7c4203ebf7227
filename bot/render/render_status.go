package render

import (
	"github.com/mdebot/mdebot/commands"
)

// status renders the bot's health: one line per check, then the MDE rate limiter.
func (b *msgBuilder) status(v commands.StatusView) string {
	b.header("mdebot status")
	failed := 0
	lines := make([]string, 0, len(v.Checks))
	for _, c := range v.Checks {
		mark := "✅"
		if !c.OK {
			mark = "❌"
			failed++
		}
		line := mark + " *" + b.or(b.inline(c.Name, 100)) + "*"
		if c.Detail != "" {
			line += " " + b.inline(c.Detail, 300)
		}
		lines = append(lines, line)
	}
	if len(lines) == 0 {
		lines = append(lines, "No checks ran.")
	}
	if shown := b.packed("", lines, budgetMessage/2, 5); shown < len(lines) {
		b.context("… and " + b.num(int64(len(lines)-shown)) + " more checks")
	}
	l := v.Limiter
	delayed := b.num(l.Delayed)
	if l.Waited > 0 {
		delayed += " (waited " + b.duration(l.Waited) + " in all)"
	}
	paused := "not paused"
	switch {
	case l.PausedUntil.After(b.now):
		paused = "⏸ until " + b.when(l.PausedUntil)
	case !l.PausedUntil.IsZero():
		paused = "not paused (the last pause ended " + b.ago(l.PausedUntil) + ")"
	}
	b.section("*MDE rate limiter*")
	b.fields(
		field{"Requests", b.num(l.Requests)},
		field{"Delayed", delayed},
		field{"Throttled (429)", b.num(l.Throttled)},
		field{"Paused", paused},
	)
	if len(v.Lanes) > 0 {
		b.section("*Workers*")
		fs := make([]field, 0, len(v.Lanes))
		for _, ln := range v.Lanes {
			fs = append(fs, field{b.inline(ln.Name, 50), b.num(int64(ln.Busy)) + " of " + b.num(int64(ln.Workers)) + " busy, " +
				b.num(int64(ln.Waiting)) + " of " + b.num(int64(ln.Queue)) + " waiting"})
		}
		b.fields(fs...)
	}
	if v.Version != "" {
		b.context("mdebot " + b.inline(v.Version, 100))
	}
	if failed > 0 {
		return "mdebot status: " + b.count(failed, "check failed", "checks failed")
	}
	return "mdebot status: all checks passed"
}
