package commands

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// options splits a call's arguments into key=value (or key:value) options, which must be among
// known, and positional arguments. Mentions of @here, @channel or @everyone are never accepted as
// arguments.
func options(c *Call, known ...string) (map[string]string, []Token, error) {
	opts := map[string]string{}
	var pos []Token
	for _, t := range c.Args {
		if t.Kind == KindBroadcast {
			return nil, nil, badArg(c.Verb, "Mentions such as @here or @channel cannot be used as arguments.")
		}
		key, val, ok := splitOption(t, c.Text)
		if !ok {
			pos = append(pos, t)
			continue
		}
		if !slices.Contains(known, key) {
			if len(known) == 0 {
				return nil, nil, badArg(c.Verb, "`%s` takes no options.", c.Verb.Name)
			}
			return nil, nil, badArg(c.Verb, "Unknown option `%s`; `%s` knows %s.", Plain(key, 30), c.Verb.Name, quoteList(known))
		}
		if _, dup := opts[key]; dup {
			return nil, nil, badArg(c.Verb, "The option `%s` is given twice.", key)
		}
		if val == "" {
			return nil, nil, badArg(c.Verb, "The option `%s` needs a value, as in `%s=...`.", key, key)
		}
		opts[key] = val
	}
	return opts, pos, nil
}

// splitOption reads "key=value" or "key:value" from a word whose key is a simple lower-case
// name typed without quotes; the value may be quoted, as in tag:"Finance PCs" (text is the
// command text the token's offsets point into). A token that starts with a quote, links and
// mentions are never options.
func splitOption(t Token, text string) (key, val string, ok bool) {
	switch t.Kind {
	case KindWord:
	case KindQuoted:
		// Only when the key and its separator were typed before the first quote.
		if t.Start < 0 || t.End > len(text) || t.Start > t.End {
			return "", "", false
		}
		raw := text[t.Start:t.End]
		i := strings.IndexAny(t.Text, "=:")
		if i <= 0 || len(raw) <= i || raw[:i+1] != t.Text[:i+1] {
			return "", "", false
		}
	default:
		return "", "", false
	}
	i := strings.IndexAny(t.Text, "=:")
	if i <= 0 {
		return "", "", false
	}
	key = strings.ToLower(t.Text[:i])
	for _, r := range key {
		if r < 'a' || r > 'z' {
			return "", "", false
		}
	}
	if strings.HasPrefix(t.Text[i:], "://") {
		return "", "", false
	}
	return key, t.Text[i+1:], true
}

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = "`" + x + "`"
	}
	return strings.Join(q, ", ")
}

// parseLimit reads a positive count up to max.
func parseLimit(c *Call, s string, max int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max {
		return 0, badArg(c.Verb, "`limit` must be a whole number from 1 to %d.", max)
	}
	return n, nil
}

// parseSince reads a look-back such as 30m, 24h or 7d, up to max.
func parseSince(c *Call, s string, max time.Duration) (time.Duration, error) {
	var d time.Duration
	var err error
	if n, ok := strings.CutSuffix(strings.ToLower(s), "d"); ok {
		var days int
		days, err = strconv.Atoi(n)
		d = time.Duration(days) * 24 * time.Hour
	} else {
		d, err = time.ParseDuration(strings.ToLower(s))
	}
	if err != nil || d <= 0 || d > max {
		return 0, badArg(c.Verb, "`since` is a duration such as 30m, 24h or 7d, at most %s.", humanDuration(max))
	}
	return d, nil
}

// oneOfFold matches s case-insensitively against accepted values and returns the canonical one.
func oneOfFold(c *Call, name, s string, accepted ...string) (string, error) {
	for _, a := range accepted {
		if strings.EqualFold(s, a) {
			return a, nil
		}
	}
	return "", badArg(c.Verb, "`%s` must be one of %s.", name, quoteList(accepted))
}

// humanDuration writes 7d, 24h, 30m.
func humanDuration(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}
