package commands

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mdebot/mdebot/defender"
)

// Alert routing: MDEBOT_ALERT_ROUTES sends alerts to channels by rule.
//
//	routes    = rule { ";" rule }             (a newline also ends a rule)
//	rule      = match "->" channel { "," channel }
//	match     = "*" | condition { "," condition }
//	condition = "severity" (">=" | "=") severity
//	          | ("group" | "tag" | "category" | "source") "=" value { "|" value }
//
// A rule matches when all its conditions hold (AND); "|" lists values of which any may match
// (OR). Every matching rule sends the alert to its channels (an alert can go to several
// channels, each once); an alert that no rule matches goes to MDEBOT_ALERT_CHANNEL, and is not
// posted when that is unset. Fields: severity (Informational < Low < Medium < High; for ">=",
// an alert with severity UnSpecified, or one unknown here, ranks as Informational), group (the
// device group, rbacGroupName), tag (a machine tag of the device), category and source (the
// detection source, e.g. WindowsDefenderAv). Values compare case-insensitively and may contain
// spaces; channels are Slack channel IDs (C…, G…). Examples:
//
//	severity>=High -> C0123ABCD
//	group=Tier0 Servers|Domain Controllers, severity>=Medium -> C0456EF, C0789GH
//	category=Ransomware -> C0999IR; tag=pci -> C0PCI01; * -> C0ALL01
//
// MDEBOT_ALERT_MIN_SEVERITY applies before any rule: lower alerts are never posted.

// routeFields are the fields a routing rule can test.
func routeFields() []string { return []string{"severity", "group", "tag", "category", "source"} }

// Routes are parsed routing rules.
type Routes struct {
	rules []routeRule
}

type routeRule struct {
	conds    []routeCond
	channels []string
}

type routeCond struct {
	field   string
	atLeast bool     // severity >=
	values  []string // lower-cased; any may match
}

// RouteError is a problem in MDEBOT_ALERT_ROUTES. Its message names the rule by position and
// says what is wrong, without repeating the rule.
type RouteError struct {
	Rule int // 1-based
	Msg  string
}

// Error is "rule N: what is wrong".
func (e *RouteError) Error() string { return fmt.Sprintf("rule %d: %s", e.Rule, e.Msg) }

// ParseRoutes parses MDEBOT_ALERT_ROUTES (see the grammar above). An empty spec has no rules.
func ParseRoutes(spec string) (Routes, error) {
	var r Routes
	n := 0
	for _, line := range strings.Split(strings.ReplaceAll(spec, "\n", ";"), ";") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		n++
		rule, err := parseRouteRule(line)
		if err != nil {
			return Routes{}, &RouteError{Rule: n, Msg: err.Error()}
		}
		r.rules = append(r.rules, rule)
	}
	return r, nil
}

func parseRouteRule(s string) (routeRule, error) {
	match, chans, ok := strings.Cut(s, "->")
	if !ok {
		return routeRule{}, fmt.Errorf(`it has no "->" between the conditions and the channels`)
	}
	var rule routeRule
	for _, c := range strings.Split(chans, ",") {
		c = strings.TrimSpace(c)
		if !isRouteChannel(c) {
			return routeRule{}, fmt.Errorf("a channel is not a Slack channel ID (C… or G…, shown in the channel's details)")
		}
		if !slices.Contains(rule.channels, c) {
			rule.channels = append(rule.channels, c)
		}
	}
	if strings.TrimSpace(match) == "*" {
		return rule, nil
	}
	for _, c := range strings.Split(match, ",") {
		cond, err := parseRouteCond(strings.TrimSpace(c))
		if err != nil {
			return routeRule{}, err
		}
		rule.conds = append(rule.conds, cond)
	}
	return rule, nil
}

func parseRouteCond(s string) (routeCond, error) {
	if s == "" {
		return routeCond{}, fmt.Errorf(`a condition is empty (write "*" to match every alert)`)
	}
	op := "="
	i := strings.Index(s, "=")
	if i < 0 {
		return routeCond{}, fmt.Errorf(`a condition has no "=" (conditions look like severity>=High or group=Servers)`)
	}
	field := s[:i]
	if strings.HasSuffix(field, ">") {
		op, field = ">=", strings.TrimSuffix(field, ">")
	}
	field = strings.ToLower(strings.TrimSpace(field))
	if !slices.Contains(routeFields(), field) {
		return routeCond{}, fmt.Errorf("a condition tests an unknown field (use %s)", strings.Join(routeFields(), ", "))
	}
	c := routeCond{field: field, atLeast: op == ">="}
	if c.atLeast && field != "severity" {
		return routeCond{}, fmt.Errorf(`">=" works only with severity`)
	}
	for _, v := range strings.Split(s[i+1:], "|") {
		v = strings.ToLower(strings.TrimSpace(v))
		if v == "" {
			return routeCond{}, fmt.Errorf("the %s condition has an empty value", field)
		}
		if field == "severity" {
			if sev, ok := ParseSeverity(v); ok {
				v = strings.ToLower(string(sev))
			} else {
				return routeCond{}, fmt.Errorf("severity must be Informational, Low, Medium or High")
			}
		}
		c.values = append(c.values, v)
	}
	if c.atLeast && len(c.values) > 1 {
		return routeCond{}, fmt.Errorf(`severity>= takes one severity`)
	}
	return c, nil
}

// ParseSeverity reads a severity name, case-insensitively.
func ParseSeverity(s string) (defender.Severity, bool) {
	for _, sev := range []defender.Severity{defender.SeverityInformational, defender.SeverityLow,
		defender.SeverityMedium, defender.SeverityHigh} {
		if strings.EqualFold(s, string(sev)) {
			return sev, true
		}
	}
	return "", false
}

// isRouteChannel reports whether s looks like a Slack conversation ID that a bot can post to.
func isRouteChannel(s string) bool {
	if len(s) < 3 || len(s) > 32 || (s[0] != 'C' && s[0] != 'G') {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// Empty reports whether there are no rules.
func (r Routes) Empty() bool { return len(r.rules) == 0 }

// NeedsTags reports whether any rule tests machine tags, which alerts do not carry (the device
// must be looked up).
func (r Routes) NeedsTags() bool {
	for _, rule := range r.rules {
		for _, c := range rule.conds {
			if c.field == "tag" {
				return true
			}
		}
	}
	return false
}

// Channels returns the channels an alert goes to: those of every matching rule, in rule order
// without repeats, or fallback alone when no rule matches (nothing when fallback is empty).
// tags are the machine tags of the alert's device.
func (r Routes) Channels(a defender.Alert, tags []string, fallback string) []string {
	var out []string
	for _, rule := range r.rules {
		if !rule.matches(a, tags) {
			continue
		}
		for _, c := range rule.channels {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	if len(out) == 0 && fallback != "" {
		out = append(out, fallback)
	}
	return out
}

func (rule routeRule) matches(a defender.Alert, tags []string) bool {
	for _, c := range rule.conds {
		if !c.matches(a, tags) {
			return false
		}
	}
	return true
}

func (c routeCond) matches(a defender.Alert, tags []string) bool {
	var got []string
	switch c.field {
	case "severity":
		if c.atLeast {
			want, _ := ParseSeverity(c.values[0])
			return a.Severity.AtLeast(want)
		}
		got = []string{string(a.Severity)}
	case "group":
		got = []string{a.RBACGroupName}
	case "tag":
		got = tags
	case "category":
		got = []string{a.Category}
	case "source":
		got = []string{a.DetectionSource}
	}
	for _, g := range got {
		if slices.Contains(c.values, strings.ToLower(strings.TrimSpace(g))) {
			return true
		}
	}
	return false
}

// AllChannels returns every channel some rule sends alerts to, in rule order without repeats.
func (r Routes) AllChannels() []string {
	var out []string
	for _, rule := range r.rules {
		for _, c := range rule.channels {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}
