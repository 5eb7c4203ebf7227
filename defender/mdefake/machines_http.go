package mdefake

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// findByIPMaxAge is how far back findbyip accepts a timestamp.
const findByIPMaxAge = 30 * 24 * time.Hour

// listMachines serves GET /api/machines.
// Like MDE, it answers 404 when the tenant has no recent machines at all ("If there are no recent
// machines, you see 404 Not Found", List machines API,
// https://learn.microsoft.com/defender-endpoint/api/get-machines).
func listMachines(c *call) {
	ms := c.f.Machines()
	if len(ms) == 0 {
		c.fail(&apiError{status: 404, code: "NotFound", message: "No machines found."})
		return
	}
	listAll(c, "Machines", machineFields(), ms)
}

// machineFromPath returns the machine named by the second path segment (id or DNS name) or
// writes 404.
func (c *call) machineFromPath() (Machine, bool) {
	m, ok := c.f.Machine(c.seg[1])
	if !ok {
		c.fail(notFound("Machine %s was not found.", c.seg[1]))
	}
	return m, ok
}

// getMachine serves GET /api/machines/{id or computerDnsName}.
func getMachine(c *call) {
	if m, ok := c.machineFromPath(); ok {
		c.ok(m)
	}
}

// findByTag serves GET /api/machines/findbytag?tag=x&useStartsWithFilter=true|false.
func findByTag(c *call) {
	q := c.r.URL.Query()
	tag, _ := queryValue(q, "tag")
	if tag == "" {
		c.fail(badRequest("MissingRequiredParameter", "The parameter tag is required."))
		return
	}
	prefix := false
	if v, ok := queryValue(q, "useStartsWithFilter"); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			c.fail(badRequest("InvalidInput", "useStartsWithFilter must be true or false."))
			return
		}
		prefix = b
	}
	out := c.f.machinesWhere(func(m *Machine) bool {
		for _, t := range m.MachineTags {
			if strings.EqualFold(t, tag) || (prefix && strings.HasPrefix(strings.ToLower(t), strings.ToLower(tag))) {
				return true
			}
		}
		return false
	})
	c.plainList("Machines", nonNil(out))
}

// findByIP serves GET /api/machines/findbyip(ip='10.1.2.3',timestamp=2026-11-01T10:00:00Z).
func findByIP(c *call) {
	seg := c.seg[1]
	args := seg[strings.Index(seg, "(")+1 : len(seg)-1]
	var ipText, tsText string
	for part := range strings.SplitSeq(args, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "ip":
			ipText = strings.Trim(strings.TrimSpace(v), "'")
		case "timestamp":
			tsText = strings.Trim(strings.TrimSpace(v), "'")
		default:
			c.fail(badRequest("InvalidInput", "Unknown parameter %q; findbyip takes ip and timestamp.", k))
			return
		}
	}
	if ipText == "" || tsText == "" {
		c.fail(badRequest("MissingRequiredParameter", "findbyip needs both ip and timestamp."))
		return
	}
	ip, err := netip.ParseAddr(ipText)
	if err != nil {
		c.fail(badRequest("InvalidIpAddress", "%q is not a valid IP address.", ipText))
		return
	}
	ts, err := time.Parse(time.RFC3339, tsText)
	if err != nil {
		c.fail(badRequest("InvalidInput", "The timestamp %q is not a valid datetime.", tsText))
		return
	}
	// "The given timestamp must be in the past 30 days" (Find devices by internal IP API): a
	// time after the service's clock is refused as well.
	if now := c.f.Now(); ts.Before(now.Add(-findByIPMaxAge)) || ts.After(now) {
		c.fail(badRequest("InvalidInput", "The timestamp must be within the last 30 days."))
		return
	}
	out := c.f.machinesWhere(func(m *Machine) bool { return m.hasIP(ip.String()) })
	c.plainList("Machines", nonNil(out))
}

// machineLogonUsers serves GET /api/machines/{id}/logonusers.
func machineLogonUsers(c *call) {
	m, ok := c.machineFromPath()
	if !ok {
		return
	}
	c.f.mu.Lock()
	users := c.f.logonUsersLocked(m.ID)
	c.f.mu.Unlock()
	c.plainList("Users", users)
}

// machineAlerts serves GET /api/machines/{id}/alerts, with the alert query options.
func machineAlerts(c *call) {
	m, ok := c.machineFromPath()
	if !ok {
		return
	}
	writeAlerts(c, c.f.alertsShallow(func(a *Alert) bool { return a.MachineID == m.ID }))
}

// nonNil returns s, or an empty slice when s is nil, so it encodes as [].
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
