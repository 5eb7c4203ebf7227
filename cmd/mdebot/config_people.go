package main

import (
	"slices"
	"strconv"
	"strings"

	"github.com/mdebot/mdebot/commands"
)

// checkChannel checks an optional Slack channel ID.
func checkChannel(ck *checker, name, id string) {
	if id != "" && !isSlackID(id, "CGD") {
		ck.add(name, "must be a channel ID (C…, G… or D…, shown in the channel's details), not a channel name")
	}
}

// parseViewers parses MDEBOT_VIEWERS: people and user groups as parsePeople reads them, or "*"
// alone for everyone, guests and people of other organisations included.
func parseViewers(ck *checker, raw string) []string {
	if strings.TrimSpace(raw) == commands.AllViewers {
		return []string{commands.AllViewers}
	}
	if strings.Contains(raw, commands.AllViewers) {
		ck.add("MDEBOT_VIEWERS", "is either * alone (everyone, guests included) or a list of IDs, not both")
		return nil
	}
	return parsePeople(ck, "MDEBOT_VIEWERS", raw)
}

// parsePeople parses a comma-separated list of Slack user IDs (U…, W…) and user-group IDs (S…),
// dropping empty entries and duplicates. A wrong entry is named by its position, not its value.
func parsePeople(ck *checker, name, raw string) []string {
	var ids, bad []string
	n := 0
	for _, id := range strings.Split(raw, ",") {
		if id = strings.TrimSpace(id); id == "" {
			continue
		}
		n++
		switch {
		case !isSlackID(id, "UWS"):
			bad = append(bad, strconv.Itoa(n))
		case !slices.Contains(ids, id):
			ids = append(ids, id)
		}
	}
	switch {
	case len(bad) == 1:
		ck.add(name, "entry %s of %d is not a Slack user ID (U…, W…) or user-group ID (S…)", bad[0], n)
	case len(bad) > 1:
		ck.add(name, "entries %s of %d are not Slack user IDs (U…, W…) or user-group IDs (S…)",
			strings.Join(bad, ", "), n)
	}
	return ids
}

// isSlackID reports whether id is one of the prefixes followed by upper-case letters and digits.
func isSlackID(id, prefixes string) bool {
	return len(id) > 1 && strings.IndexByte(prefixes, id[0]) >= 0 &&
		!strings.ContainsFunc(id[1:], func(r rune) bool { return (r < 'A' || r > 'Z') && (r < '0' || r > '9') })
}
