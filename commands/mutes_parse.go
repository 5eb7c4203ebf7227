package commands

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
)

// muteSpec is a parsed mute command.
type muteSpec struct {
	kind     string
	arg      Token // the machine argument
	value    string
	dur      time.Duration
	reason   string
	implicit bool // "mute <value> for ...": the kind was read from the value
}

// parseMute reads "mute [machine|title|sha1] <value...> for <duration> <reason...>". Without the
// kind, the value is one token: a SHA-1 when it is 40 hex characters, else a device (resolved by
// the caller, which refuses what names none).
func parseMute(c *Call) (muteSpec, error) {
	var s muteSpec
	if len(c.Args) == 0 {
		return s, badArg(c.Verb, "Say what to mute: a device or a SHA-1, or `machine`, `title` or `sha1` and then the value.")
	}
	first := 1
	s.kind = strings.ToLower(c.Args[0].Text)
	if c.Args[0].Kind != KindWord || (s.kind != store.MuteMachine && s.kind != store.MuteTitle && s.kind != store.MuteSHA1) ||
		len(c.Args) > 1 && strings.EqualFold(c.Args[1].Text, "for") && c.Args[1].Kind == KindWord {
		first, s.kind, s.implicit = 0, store.MuteMachine, true
	}
	at := -1
	for i := first + 1; i+1 < len(c.Args); i++ {
		if strings.EqualFold(c.Args[i].Text, "for") && c.Args[i].Kind == KindWord {
			if d, ok := parseMuteDuration(c.Args[i+1].Text); ok {
				at, s.dur = i, d
				break
			}
		}
	}
	if at < 0 {
		return s, badArg(c.Verb, "Say for how long: `for 4h`, `for 30m` or `for 7d` (at most 30d) after what to mute.")
	}
	values := c.Args[first:at]
	var parts []string
	for _, t := range values {
		if t.Kind == KindBroadcast || t.Kind == KindUserMention || t.Kind == KindGroupMention || t.Kind == KindChannelMention {
			return s, badArg(c.Verb, "Mentions cannot be muted; name a device, a title or a SHA-1.")
		}
		parts = append(parts, t.Text)
	}
	s.value = strings.TrimSpace(strings.Join(parts, " "))
	switch {
	case s.implicit && len(values) != 1:
		return s, badArg(c.Verb, "`%s` is not one device or SHA-1; to mute an alert title, say so: `mute title %s for ...`.",
			Plain(s.value, 60), Plain(s.value, 60))
	case s.implicit && defender.ValidateSHA1(s.value) == nil:
		s.kind = store.MuteSHA1
	case s.kind == store.MuteMachine, s.kind == store.MuteSHA1:
		if len(values) != 1 {
			return s, badArg(c.Verb, "Name one %s before `for`.", s.kind)
		}
		s.arg = values[0]
	}
	if s.kind == store.MuteSHA1 && defender.ValidateSHA1(s.value) != nil {
		return s, badArg(c.Verb, "A SHA-1 has 40 hex characters.")
	}
	if s.kind == store.MuteTitle && utf8.RuneCountInString(s.value) > maxMuteTitle {
		return s, badArg(c.Verb, "An alert title has at most %d characters.", maxMuteTitle)
	}
	durTok := c.Args[at+1]
	if durTok.End > len(c.Text) {
		return s, badArg(c.Verb, "Give a reason after the duration.")
	}
	reason, err := Unescape(strings.TrimSpace(c.Text[durTok.End:]))
	if err != nil {
		return s, err
	}
	s.reason = strings.Join(strings.Fields(reason), " ")
	switch n := utf8.RuneCountInString(s.reason); {
	case n == 0:
		return s, badArg(c.Verb, "Give a reason after the duration, for the others and the audit trail.")
	case n > maxReason:
		return s, badArg(c.Verb, "The reason has at most %d characters; this has %d.", maxReason, n)
	}
	return s, nil
}

// parseMuteDuration reads 30m, 4h, 1h30m or 7d between minMute and maxMute.
func parseMuteDuration(s string) (time.Duration, bool) {
	s = strings.ToLower(s)
	var d time.Duration
	var err error
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days int
		if _, err = fmt.Sscanf(n, "%d", &days); err == nil && fmt.Sprint(days) == n {
			d = time.Duration(days) * 24 * time.Hour
		} else if err == nil {
			err = errors.New("not a number of days")
		}
	} else {
		d, err = time.ParseDuration(s)
	}
	return d, err == nil && d >= minMute && d <= maxMute
}

// NormalizeTitle is how alert titles are compared by mutes: lower case, single spaces.
func NormalizeTitle(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// MatchingMute returns the first mute among ms that matches alert a.
func MatchingMute(ms []store.Mute, a defender.Alert) (store.Mute, bool) {
	for _, m := range ms {
		if MuteMatches(m, a) {
			return m, true
		}
	}
	return store.Mute{}, false
}

// MuteMatches reports whether mute m matches alert a (evidence is needed for SHA-1 mutes).
func MuteMatches(m store.Mute, a defender.Alert) bool {
	switch m.Kind {
	case store.MuteMachine:
		return a.MachineID != "" && strings.EqualFold(a.MachineID, m.Value)
	case store.MuteTitle:
		return NormalizeTitle(a.Title) == m.Value
	case store.MuteSHA1:
		for _, e := range a.Evidence {
			if strings.EqualFold(e.SHA1, m.Value) {
				return true
			}
		}
	}
	return false
}

func muteLabel(m store.Mute) string {
	if m.Label != "" {
		return m.Label
	}
	return m.Value
}

func muteMachineOf(m store.Mute) string {
	if m.Kind == store.MuteMachine {
		return m.Value
	}
	return ""
}

// isMuteID accepts the ids store.NewMuteID makes.
func isMuteID(s string) bool {
	if len(s) < 2 || len(s) > 20 || s[0] != 'm' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
