package commands

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/mdebot/mdebot/defender"
)

// maxTagLen bounds a device tag (the portal allows 200 characters).
const maxTagLen = 200

var (
	riskScores     = []string{"None", "Informational", "Low", "Medium", "High"}
	healthStatuses = []string{"Active", "Inactive", "ImpairedCommunication", "NoSensorData", "NoSensorDataImpairedCommunication", "Unknown"}
)

func machinesVerb(d Deps) *Verb {
	v := &Verb{
		Name:    "machines",
		Usage:   "[name=<prefix>] [risk=<None|Informational|Low|Medium|High>] [health=<Active|Inactive|ImpairedCommunication|NoSensorData|...>] [tag=<tag>] [limit=<n>]",
		Summary: "Search devices by name prefix, risk, health or tag.",
		Details: []string{
			"A bare word is the name prefix: `machines web` is `machines name=web`.",
			"`health=` is one of " + strings.Join(healthStatuses, ", ") + ".",
			"`tag=` keeps the devices with exactly that tag; quote a tag with spaces: `tag:\"Finance PCs\"`.",
			"`limit=` shows at most that many devices in all (1 to 100); 10 are shown at a time. Without any filter every device is listed.",
			"Example: `machines web risk=High`",
		},
		Role: Viewer,
	}
	v.Run = func(ctx context.Context, c *Call) (Response, error) {
		opts, pos, err := options(c, "name", "risk", "health", "tag", "limit")
		if err != nil {
			return Response{}, err
		}
		offset, err := pageOffset(c)
		if err != nil {
			return Response{}, err
		}
		q, err := parseMachineQuery(c, opts, pos)
		if err != nil {
			return Response{}, err
		}
		var ms []defender.Machine
		var more *More
		if q.tag != "" {
			all, err := d.MDE.MachinesByTag(ctx, q.tag, false)
			if err != nil && !errors.Is(err, defender.ErrNotFound) {
				return Response{}, err
			}
			var kept []defender.Machine
			for _, m := range all {
				if q.keeps(m) {
					kept = append(kept, m)
				}
			}
			ms, more = pageOf(c, kept, offset, q.limit)
		} else if lo, n := serverPage(q.filter(), offset, q.limit); n > 0 {
			got, err := d.MDE.ListMachines(ctx, lo)
			// MDE answers 404 when it has no recent devices at all.
			if err != nil && !errors.Is(err, defender.ErrNotFound) {
				return Response{}, err
			}
			ms, more = cutPage(c, got, offset, n)
		}
		view := MachineListView{Title: q.title(), Machines: ms, More: more}
		return Response{Text: pageText(view.Title, offset, len(ms), more, "device", "devices"), View: view}, nil
	}
	return v
}

// machineQuery is a parsed device search.
type machineQuery struct {
	prefix, risk, health, tag string
	limit                     int
}

func parseMachineQuery(c *Call, opts map[string]string, pos []Token) (machineQuery, error) {
	var q machineQuery
	var err error
	switch {
	case len(pos) > 1:
		return q, badArg(c.Verb, "Give at most one name prefix; use options such as `risk=High` for the rest.")
	case len(pos) == 1 && opts["name"] != "":
		return q, badArg(c.Verb, "Give the name prefix once: either as a bare word or as `name=`.")
	case len(pos) == 1:
		q.prefix = pos[0].Text
	default:
		q.prefix = opts["name"]
	}
	if q.prefix != "" {
		if err := checkNamePrefix(c, q.prefix); err != nil {
			return q, err
		}
		q.prefix = strings.ToLower(q.prefix)
	}
	if s, ok := opts["risk"]; ok {
		if q.risk, err = oneOfFold(c, "risk", s, riskScores...); err != nil {
			return q, err
		}
	}
	if s, ok := opts["health"]; ok {
		if q.health, err = oneOfFold(c, "health", s, healthStatuses...); err != nil {
			return q, err
		}
	}
	if s, ok := opts["tag"]; ok {
		if n := utf8.RuneCountInString(s); n > maxTagLen {
			return q, badArg(c.Verb, "A tag has at most %d characters; this one has %d.", maxTagLen, n)
		}
		q.tag = strings.TrimSpace(s)
		if q.tag == "" {
			return q, badArg(c.Verb, "The option `tag` needs a value, as in `tag=...`.")
		}
	}
	if s, ok := opts["limit"]; ok {
		if q.limit, err = parseLimit(c, s, maxListLimit); err != nil {
			return q, err
		}
	}
	return q, nil
}

// filter is the $filter of the search (without the tag, which has its own endpoint).
func (q machineQuery) filter() defender.Filter {
	var fs []defender.Filter
	if q.prefix != "" {
		fs = append(fs, defender.StartsWith("computerDnsName", q.prefix))
	}
	if q.risk != "" {
		fs = append(fs, defender.Eq("riskScore", q.risk))
	}
	if q.health != "" {
		fs = append(fs, defender.Eq("healthStatus", q.health))
	}
	return defender.And(fs...)
}

// keeps applies the filter to a device found by tag.
func (q machineQuery) keeps(m defender.Machine) bool {
	return strings.HasPrefix(strings.ToLower(m.ComputerDNSName), q.prefix) &&
		(q.risk == "" || strings.EqualFold(m.RiskScore, q.risk)) &&
		(q.health == "" || strings.EqualFold(m.HealthStatus, q.health))
}

func (q machineQuery) title() string {
	var parts []string
	if q.prefix != "" {
		parts = append(parts, "named "+q.prefix+"…")
	}
	if q.risk != "" {
		parts = append(parts, "risk "+q.risk)
	}
	if q.health != "" {
		parts = append(parts, "health "+q.health)
	}
	if q.tag != "" {
		parts = append(parts, "tagged "+q.tag)
	}
	if len(parts) == 0 {
		return "All devices"
	}
	return "Devices " + strings.Join(parts, ", ")
}

// checkNamePrefix accepts the start of a DNS-like computer name. A look-alike letter from another
// script (a Cyrillic а in place of a Latin a) is named, since it would silently match nothing.
func checkNamePrefix(c *Call, s string) error {
	if len(s) > 255 {
		return badArg(c.Verb, "A computer name has at most 255 characters.")
	}
	pos := 0
	for _, r := range s {
		pos++
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			continue
		}
		if r >= 0x80 {
			return badArg(c.Verb, "`%s` has the non-ASCII character U+%04X at position %d (a look-alike letter?); computer names use ASCII letters, digits, '-', '_' and '.'.", Plain(s, 40), r, pos)
		}
		return badArg(c.Verb, "`%s` is not the start of a computer name: use ASCII letters, digits, '-', '_' and '.'.", Plain(s, 40))
	}
	return nil
}
