package render

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
)

// textLen counts s the way Slack's limits are checked here: in UTF-16 code units, which is what
// commands.Truncate counts too.
func textLen(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// inline escapes untrusted text for one line of mrkdwn, cut to limit characters first.
func (b *msgBuilder) inline(s string, limit int) string {
	if s == "" {
		return ""
	}
	return strings.ReplaceAll(commands.EscapeMrkdwn(commands.Truncate(s, limit)), "\n", " ")
}

// code puts untrusted text, cut to limit characters, in a code span; empty text gives "".
func (b *msgBuilder) code(s string, limit int) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	return "`" + strings.ReplaceAll(commands.EscapeCode(commands.Truncate(s, limit)), "\n", " ") + "`"
}

// escapeWithCode escapes text that may hold code spans of its own (command messages such as
// "There is no command `x`"): the parts between pairs of backticks go through EscapeCode and stay
// code, the rest through EscapeMrkdwn. A backtick without a partner is escaped as text.
func (b *msgBuilder) escapeWithCode(s string) string {
	parts := strings.Split(s, "`")
	var out strings.Builder
	for i := 0; i < len(parts); i++ {
		switch {
		case i%2 == 1 && i+1 < len(parts):
			out.WriteString("`" + commands.EscapeCode(parts[i]) + "`")
		case i%2 == 1:
			out.WriteString(commands.EscapeMrkdwn("`" + parts[i]))
		default:
			out.WriteString(commands.EscapeMrkdwn(parts[i]))
		}
	}
	return out.String()
}

// join joins the non-empty parts with " · ".
func (b *msgBuilder) join(parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, " · ")
}

// or returns s, or "—" when s is empty.
func (b *msgBuilder) or(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// when formats t as "2026-11-20 08:00 UTC (3h ago)"; the zero time is "unknown".
func (b *msgBuilder) when(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC") + " (" + b.ago(t) + ")"
}

// ago formats how long before now t was: "just now", "5m ago", "3h ago", "4d ago", "in 2h".
func (b *msgBuilder) ago(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	d := b.now.Sub(t)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute && future:
		return "in under a minute"
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		s = strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 48*time.Hour:
		s = strconv.Itoa(int(d/time.Hour)) + "h"
	default:
		s = strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

// num formats n with thousands separators: 12,345.
func (b *msgBuilder) num(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

// count formats "1 device" or "3 devices".
func (b *msgBuilder) count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return b.num(int64(n)) + " " + many
}

// portalURL is the Defender portal link <portal>/<kind>/<id>, or "" when the portal is not an
// absolute http(s) URL or id is not an MDE id (letters, digits, '.', '_' and '-').
func (b *msgBuilder) portalURL(portal, kind, id string) string {
	if portal == "" || id == "" || strings.Trim(id, ".") == "" || len(id) > 200 {
		return ""
	}
	for _, r := range id {
		if !isIDRune(r) {
			return ""
		}
	}
	base := b.portalBase(portal)
	if base == "" {
		return ""
	}
	link := base + "/" + kind + "/" + id
	if len(link) > limitURL || strings.ContainsAny(link, "<>| \"") {
		return ""
	}
	return link
}

// portalBase is the portal's scheme, host and path, or "" when it is no http(s) URL. It is
// parsed once per builder (a digest links thousands of alerts to the same portal).
func (b *msgBuilder) portalBase(portal string) string {
	if c := b.portal; c.parsed && c.raw == portal {
		return c.base
	}
	base := ""
	if u, err := url.Parse(portal); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil {
		base = u.Scheme + "://" + u.Host + strings.TrimRight(u.EscapedPath(), "/")
	}
	b.portal = parsedPortal{raw: portal, base: base, parsed: true}
	return base
}

// parsedPortal is a portal URL and its base (see portalBase).
type parsedPortal struct {
	raw, base string
	parsed    bool
}

// link is mrkdwn for a link to target with untrusted text (cut to limit), or the escaped text
// alone when there is no target.
func (b *msgBuilder) link(target, text string, limit int) string {
	label := b.inline(text, limit)
	if target == "" {
		return label
	}
	if label == "" {
		label = "link"
	}
	return "<" + strings.ReplaceAll(target, "&", "&amp;") + "|" + label + ">"
}

// severityStyle is the emoji and colour bar of an alert severity.
func (b *msgBuilder) severityStyle(s defender.Severity) (emoji, color string) {
	switch s {
	case defender.SeverityHigh:
		return "🔴", "#d40e0d"
	case defender.SeverityMedium:
		return "🟠", "#ff8c00"
	case defender.SeverityLow:
		return "🟡", "#ffd700"
	case defender.SeverityInformational:
		return "⚪", "#8a8886"
	}
	return "⚫", "#8a8886"
}

// actionEmoji marks a machine action's state.
func (b *msgBuilder) actionEmoji(s defender.ActionStatus) string {
	switch s {
	case defender.ActionPending:
		return "⏳"
	case defender.ActionInProgress:
		return "🔄"
	case defender.ActionSucceeded:
		return "✅"
	case defender.ActionFailed:
		return "❌"
	case defender.ActionTimeOut:
		return "⌛"
	case defender.ActionCancelled:
		return "🚫"
	}
	return "❔"
}

// duration formats a wait: "0s", "850ms", "3m12s".
func (b *msgBuilder) duration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// userName is DOMAIN\name, or name alone.
func (b *msgBuilder) userName(domain, name string) string {
	if domain == "" {
		return name
	}
	if name == "" {
		return domain
	}
	return fmt.Sprintf(`%s\%s`, domain, name)
}

// isIDRune reports whether r may appear in an MDE id used in a portal link.
func isIDRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
}
