package mdefake

import (
	"net/url"
	"slices"
	"strings"
)

// Values PATCH /api/alerts/{id} accepts.
func alertStatuses() []string { return []string{"New", "InProgress", "Resolved"} }

func alertClassifications() []string {
	return []string{"TruePositive", "InformationalExpectedActivity", "FalsePositive"}
}

func alertDeterminations() []string {
	return []string{"MultiStagedAttack", "MaliciousUserActivity", "CompromisedUser", "Malware", "Phishing",
		"UnwantedSoftware", "Other", "SecurityTesting", "LineOfBusinessApplication", "ConfirmedUserActivity",
		"ConfirmedActivity", "Clean", "NotMalicious", "InsufficientData"}
}

// listAlerts serves GET /api/alerts.
func listAlerts(c *call) {
	writeAlerts(c, c.f.alertsShallow(func(*Alert) bool { return true }))
}

// writeAlerts pages alerts with the request's query options; evidence only with $expand=evidence.
func writeAlerts(c *call, alerts []Alert) {
	p, o, aerr := query(c, alertFields(), alerts, "evidence")
	if aerr != nil {
		c.fail(aerr)
		return
	}
	for i := range p.items {
		p.items[i] = p.items[i].clone()
		if o.expand == "" {
			p.items[i].Evidence = []Evidence{}
		}
	}
	c.writeCollection("Alerts", p.items, p.next)
}

// alertFromPath returns the alert named by the second path segment or writes 404.
func (c *call) alertFromPath() (Alert, bool) {
	a, ok := c.f.Alert(c.seg[1])
	if !ok {
		c.fail(notFound("Alert %s was not found.", c.seg[1]))
	}
	return a, ok
}

// getAlert serves GET /api/alerts/{id}.
func getAlert(c *call) {
	a, ok := c.alertFromPath()
	if !ok {
		return
	}
	if !expandsEvidence(c.r.URL.Query()) {
		a.Evidence = []Evidence{}
	}
	c.ok(a)
}

func expandsEvidence(q url.Values) bool {
	v, _ := queryValue(q, "$expand")
	return strings.EqualFold(v, "evidence")
}

// patchAlert serves PATCH /api/alerts/{id}.
func patchAlert(c *call) {
	obj, aerr := decodeObject(c.body, "status", "assignedTo", "classification", "determination", "comment")
	if aerr != nil {
		c.fail(aerr)
		return
	}
	if len(obj) == 0 {
		c.fail(badRequest("InvalidRequestBody", "The request body has no property to update."))
		return
	}
	status, hasStatus, e1 := obj.oneOf("status", alertStatuses()...)
	class, hasClass, e2 := obj.oneOf("classification", alertClassifications()...)
	det, hasDet, e3 := obj.oneOf("determination", alertDeterminations()...)
	assignee, hasAssignee, e4 := obj.str("assignedTo")
	comment, hasComment, e5 := obj.str("comment")
	for _, e := range []*apiError{e1, e2, e3, e4, e5} {
		if e != nil {
			c.fail(e)
			return
		}
	}
	if hasDet && c.f.refusedDetermination(det) {
		c.fail(badRequest("InvalidRequestBody", "The value %q of determination is not valid.", det))
		return
	}
	if hasComment && strings.TrimSpace(comment) == "" {
		c.fail(badRequest("InvalidRequestBody", "The comment must not be empty."))
		return
	}
	f := c.f
	f.mu.Lock()
	i, ok := f.alertIdx[c.seg[1]]
	if !ok {
		f.mu.Unlock()
		c.fail(notFound("Alert %s was not found.", c.seg[1]))
		return
	}
	a := &f.alerts[i]
	now := f.now
	if hasStatus {
		a.Status = status
		switch {
		case status == "Resolved" && a.ResolvedTime == nil:
			a.ResolvedTime = &now
		case status != "Resolved":
			a.ResolvedTime = nil
		}
	}
	if hasClass {
		a.Classification = class
	}
	if hasDet {
		a.Determination = det
	}
	if hasAssignee {
		a.AssignedTo = assignee
	}
	if hasComment {
		a.Comments = append(a.Comments, AlertComment{Comment: comment, CreatedBy: c.appID, CreatedTime: now})
	}
	a.LastUpdateTime = now
	out := a.clone()
	f.mu.Unlock()
	if !expandsEvidence(c.r.URL.Query()) {
		out.Evidence = []Evidence{}
	}
	c.ok(out)
}

// alertMachine serves GET /api/alerts/{id}/machine.
func alertMachine(c *call) {
	a, ok := c.alertFromPath()
	if !ok {
		return
	}
	m, ok := c.f.Machine(a.MachineID)
	if !ok || a.MachineID == "" {
		c.fail(notFound("The machine of alert %s was not found.", a.ID))
		return
	}
	c.ok(m)
}

// alertFiles serves GET /api/alerts/{id}/files: one file per distinct hash in the evidence.
func alertFiles(c *call) {
	a, ok := c.alertFromPath()
	if !ok {
		return
	}
	out := []File{}
	for _, e := range a.Evidence {
		if e.SHA1 == "" && e.SHA256 == "" {
			continue
		}
		if slices.ContainsFunc(out, func(f File) bool { return sameHash(f.SHA1, e.SHA1) && sameHash(f.SHA256, e.SHA256) }) {
			continue
		}
		out = append(out, c.f.fileFor(e))
	}
	c.plainList("Files", out)
}

// alertIPs serves GET /api/alerts/{id}/ips.
func alertIPs(c *call) {
	a, ok := c.alertFromPath()
	if !ok {
		return
	}
	out := []map[string]string{}
	seen := map[string]bool{}
	for _, e := range a.Evidence {
		if e.IPAddress != "" && !seen[e.IPAddress] {
			seen[e.IPAddress] = true
			out = append(out, map[string]string{"id": e.IPAddress})
		}
	}
	c.plainList("Ips", out)
}

// alertDomains serves GET /api/alerts/{id}/domains: the hosts of URL evidence.
func alertDomains(c *call) {
	a, ok := c.alertFromPath()
	if !ok {
		return
	}
	out := []map[string]string{}
	seen := map[string]bool{}
	for _, e := range a.Evidence {
		if h := urlHost(e.URL); h != "" && !seen[h] {
			seen[h] = true
			out = append(out, map[string]string{"host": h})
		}
	}
	c.plainList("Domains", out)
}

// alertUser serves GET /api/alerts/{id}/user.
func alertUser(c *call) {
	a, ok := c.alertFromPath()
	if !ok {
		return
	}
	if a.RelatedUser == nil || a.RelatedUser.UserName == "" {
		c.fail(notFound("Alert %s has no related user.", a.ID))
		return
	}
	c.ok(c.f.userProfile(a.RelatedUser.DomainName, a.RelatedUser.UserName))
}

// userProfile returns the logon-user profile of domain\name, or a minimal one.
func (f *Fake) userProfile(domain, name string) User {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, users := range f.logonUsers {
		for _, u := range users {
			if strings.EqualFold(u.AccountName, name) && (domain == "" || strings.EqualFold(u.AccountDomain, domain)) {
				return u
			}
		}
	}
	return User{ID: strings.ToLower(domain) + `\` + name, AccountName: name, AccountDomain: domain, LogonTypes: "Interactive"}
}
