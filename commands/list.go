package commands

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/mdebot/mdebot/defender"
)

// Lists show pageSize items and a "more" button that runs the same command text again with the
// offset of the next page. Lists MDE can page (devices, indicators) are read one page at a time
// with $skip, one item more than the page to learn whether more exist. Lists shown newest first
// (alerts, actions) are sorted here, because MDE has no $orderby on them: the bot reads the whole
// time window, up to scanCap items, and says so when the window holds more.
const (
	// maxOffset bounds the offset a "more" button may ask for.
	maxOffset = 10000
	// scanCap is how many items a list sorted here reads at most.
	scanCap = 1000
	// maxListLimit is the largest limit= a list accepts.
	maxListLimit = 100
)

// guidPattern matches a GUID such as an MDE machine action id.
var guidPattern = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`)

func isGUID(s string) bool { return guidPattern.MatchString(s) }

// callNow is the time the call started.
func callNow(c *Call, d Deps) time.Time {
	if !c.Now.IsZero() {
		return c.Now
	}
	return d.now()
}

// pageOffset returns the offset of the page the call asks for.
func pageOffset(c *Call) (int, error) {
	if c.Offset < 0 || c.Offset > maxOffset {
		return 0, badArg(c.Verb, "That page of the list does not exist; run the command again.")
	}
	return c.Offset, nil
}

// pageOf cuts the page at offset out of a list read in full and already sorted, keeping at most
// limit items in all when limit > 0.
func pageOf[T any](c *Call, all []T, offset, limit int) ([]T, *More) {
	if limit > 0 && len(all) > limit {
		all = all[:limit]
	}
	if offset >= len(all) {
		return nil, nil
	}
	end := min(offset+pageSize, len(all))
	var more *More
	if end < len(all) {
		more = &More{Command: c.Text, Offset: end}
	}
	return all[offset:end], more
}

// serverPage is one page of a list MDE pages: the options that read it and how many items the
// page shows. n is zero when limit leaves nothing for this page.
func serverPage(f defender.Filter, offset, limit int) (opts defender.ListOptions, n int) {
	n = pageSize
	if limit > 0 {
		n = min(pageSize, limit-offset)
	}
	if n <= 0 {
		return defender.ListOptions{}, 0
	}
	probe := 1
	if limit > 0 && offset+n >= limit {
		probe = 0
	}
	return defender.ListOptions{Filter: f, Skip: offset, Limit: n + probe}, n
}

// cutPage keeps the first n items read by serverPage and says whether there are more.
func cutPage[T any](c *Call, got []T, offset, n int) ([]T, *More) {
	if len(got) > n {
		return got[:n], &More{Command: c.Text, Offset: offset + n}
	}
	return got, nil
}

// scanNote is the note of a sorted list whose window held more than scanCap items.
func scanNote(what string) string {
	return fmt.Sprintf("More than %d %s match, and Defender cannot sort them: these are the newest of the first %d it returned. Narrow the list to see the rest.", scanCap, what, scanCap)
}

// sortAlerts orders alerts newest update first.
func sortAlerts(as []defender.Alert) {
	slices.SortStableFunc(as, func(a, b defender.Alert) int {
		if r := b.LastUpdateTime.Compare(a.LastUpdateTime.Time); r != 0 {
			return r
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// optionToken returns the argument that holds option key.
func optionToken(c *Call, key string) (Token, bool) {
	for _, t := range c.Args {
		if k, _, ok := splitOption(t, c.Text); ok && k == key {
			return t, true
		}
	}
	return Token{}, false
}

// checkMachineArg refuses, before any MDE call, a machine argument that cannot name a device:
// hex that is almost a device ID. Other forms are checked by resolveMachine.
func checkMachineArg(c *Call, s string) error {
	if n := len(s); n >= 32 && n <= 64 && n != 40 && isHexString(s) {
		return badArg(c.Verb, "`%s` looks like a device ID, but a device ID has exactly 40 hex characters and this has %d.", Plain(s, 70), n)
	}
	return nil
}

func isHexString(s string) bool {
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !('0' <= ch && ch <= '9' || 'a' <= ch && ch <= 'f' || 'A' <= ch && ch <= 'F') {
			return false
		}
	}
	return s != ""
}

// optionMachine resolves the device named by option key (machine=web01). When several devices
// match, each choice re-runs the command with the device's ID as the option's value.
func optionMachine(ctx context.Context, d Deps, c *Call, key, val string) (defender.Machine, *Response, error) {
	if err := checkMachineArg(c, val); err != nil {
		return defender.Machine{}, nil, err
	}
	tok, ok := optionToken(c, key)
	if !ok || tok.End > len(c.Text) {
		return resolveMachine(ctx, d.MDE, c, Token{Kind: KindWord, Text: val})
	}
	prefix := c.Text[:tok.Start] + key + "="
	cc := *c
	cc.Text = prefix + val + c.Text[tok.End:]
	arg := Token{Kind: KindWord, Text: val, Start: len(prefix), End: len(prefix) + len(val)}
	return resolveMachine(ctx, d.MDE, &cc, arg)
}

// plural writes "1 alert", "3 alerts".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// listText is the plain-text summary of a list of n items (at most limit when limit > 0).
func listText(title string, n, limit int, one, many string) string {
	if limit > 0 {
		n = min(n, limit)
	}
	if n == 0 {
		return title + ": none."
	}
	return title + ": " + plural(n, one, many) + "."
}

// pageText is the plain-text summary of one page of a list paged by MDE, whose total is unknown.
func pageText(title string, offset, shown int, more *More, one, many string) string {
	switch {
	case shown == 0 && offset > 0:
		return title + ": no more."
	case shown == 0:
		return title + ": none."
	case offset == 0 && more == nil:
		return title + ": " + plural(shown, one, many) + "."
	}
	text := fmt.Sprintf("%s: %s %d to %d", title, many, offset+1, offset+shown)
	if more != nil {
		text += ", more follow"
	}
	return text + "."
}
