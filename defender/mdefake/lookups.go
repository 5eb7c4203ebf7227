package mdefake

import (
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"
)

// IPStats is the reply of GET /api/ips/{ip}/stats.
type IPStats struct {
	IPAddress              string     `json:"ipAddress"`
	OrganizationPrevalence int        `json:"organizationPrevalence"`
	OrgFirstSeen           *time.Time `json:"orgFirstSeen"`
	OrgLastSeen            *time.Time `json:"orgLastSeen"`
}

// DomainStats is the reply of GET /api/domains/{domain}/stats.
type DomainStats struct {
	Host                   string     `json:"host"`
	OrganizationPrevalence int        `json:"organizationPrevalence"`
	OrgFirstSeen           *time.Time `json:"orgFirstSeen"`
	OrgLastSeen            *time.Time `json:"orgLastSeen"`
}

// prevalence counts the distinct machines whose alert evidence created since since matches, with
// the first and last evidence times.
func (f *Fake) prevalence(since time.Time, match func(*Evidence) bool) (int, *time.Time, *time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	machines := map[string]bool{}
	var first, last *time.Time
	for i := range f.alerts {
		a := &f.alerts[i]
		for k := range a.Evidence {
			e := &a.Evidence[k]
			t := e.EvidenceCreationTime
			if t.IsZero() {
				t = a.AlertCreationTime
			}
			if t.Before(since) || !match(e) {
				continue
			}
			machines[a.MachineID] = true
			if first == nil || t.Before(*first) {
				first = &t
			}
			if last == nil || t.After(*last) {
				last = &t
			}
		}
	}
	return len(machines), first, last
}

// alertsWithEvidence returns the alerts (without evidence) that have matching evidence.
func (f *Fake) alertsWithEvidence(match func(*Evidence) bool) []Alert {
	out := f.alertsWhere(func(a *Alert) bool { return a.hasEvidence(match) })
	for i := range out {
		out[i].Evidence = []Evidence{}
	}
	return nonNil(out)
}

// machinesWithEvidence returns the machines of the alerts that have matching evidence.
func (f *Fake) machinesWithEvidence(match func(*Evidence) bool) []Machine {
	ids := map[string]bool{}
	for _, a := range f.alertsWhere(func(a *Alert) bool { return a.hasEvidence(match) }) {
		ids[a.MachineID] = true
	}
	return nonNil(f.machinesWhere(func(m *Machine) bool { return ids[m.ID] }))
}

// urlHost returns the lower-case host of a URL, with or without a scheme.
func urlHost(raw string) string {
	if raw == "" {
		return ""
	}
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

// ipFromPath parses the IP of /api/ips/{ip}/... or writes 400.
func (c *call) ipFromPath() (string, bool) {
	ip, err := netip.ParseAddr(c.seg[1])
	if err != nil {
		c.fail(badRequest("InvalidIpAddress", "%q is not a valid IP address.", c.seg[1]))
		return "", false
	}
	return ip.String(), true
}

// ipStats serves GET /api/ips/{ip}/stats.
func ipStats(c *call) {
	ip, ok := c.ipFromPath()
	if !ok {
		return
	}
	since, aerr := c.lookBack(c.r.URL.Query())
	if aerr != nil {
		c.fail(aerr)
		return
	}
	st := IPStats{IPAddress: ip}
	st.OrganizationPrevalence, st.OrgFirstSeen, st.OrgLastSeen = c.f.prevalence(since, func(e *Evidence) bool { return e.IPAddress == ip })
	c.ok(st)
}

// ipAlerts serves GET /api/ips/{ip}/alerts.
func ipAlerts(c *call) {
	if ip, ok := c.ipFromPath(); ok {
		c.plainList("Alerts", c.f.alertsWithEvidence(func(e *Evidence) bool { return e.IPAddress == ip }))
	}
}

// domainFromPath reads the domain of /api/domains/{domain}/... or writes 400.
func (c *call) domainFromPath() (string, bool) {
	d := strings.ToLower(c.seg[1])
	if !validDomain(d) {
		c.fail(badRequest("InvalidDomainName", "%q is not a valid domain name.", c.seg[1]))
		return "", false
	}
	return d, true
}

// domainStats serves GET /api/domains/{domain}/stats.
func domainStats(c *call) {
	d, ok := c.domainFromPath()
	if !ok {
		return
	}
	since, aerr := c.lookBack(c.r.URL.Query())
	if aerr != nil {
		c.fail(aerr)
		return
	}
	st := DomainStats{Host: d}
	st.OrganizationPrevalence, st.OrgFirstSeen, st.OrgLastSeen = c.f.prevalence(since, func(e *Evidence) bool { return urlHost(e.URL) == d })
	c.ok(st)
}

// domainAlerts serves GET /api/domains/{domain}/alerts.
func domainAlerts(c *call) {
	if d, ok := c.domainFromPath(); ok {
		c.plainList("Alerts", c.f.alertsWithEvidence(func(e *Evidence) bool { return urlHost(e.URL) == d }))
	}
}

// domainMachines serves GET /api/domains/{domain}/machines (at most 500).
func domainMachines(c *call) {
	if d, ok := c.domainFromPath(); ok {
		ms := c.f.machinesWithEvidence(func(e *Evidence) bool { return urlHost(e.URL) == d })
		c.plainList("Machines", ms[:min(len(ms), 500)])
	}
}

// userAlerts serves GET /api/users/{name}/alerts; name is the account name, not the UPN.
func userAlerts(c *call) {
	name := c.seg[1]
	out := c.f.alertsWhere(func(a *Alert) bool {
		if a.RelatedUser != nil && strings.EqualFold(a.RelatedUser.UserName, name) {
			return true
		}
		return a.hasEvidence(func(e *Evidence) bool { return strings.EqualFold(e.AccountName, name) })
	})
	for i := range out {
		out[i].Evidence = []Evidence{}
	}
	c.plainList("Alerts", nonNil(out))
}

// userMachines serves GET /api/users/{name}/machines: machines the user logged on to.
func userMachines(c *call) {
	name := c.seg[1]
	f := c.f
	f.mu.Lock()
	ids := map[string]bool{}
	for id, users := range f.logonUsers {
		if slices.ContainsFunc(users, func(u User) bool { return strings.EqualFold(u.AccountName, name) }) {
			ids[id] = true
		}
	}
	f.mu.Unlock()
	c.plainList("Machines", nonNil(f.machinesWhere(func(m *Machine) bool { return ids[m.ID] })))
}
