package mdefake

import (
	"fmt"
	"slices"
	"time"
)

// Alert is an MDE alert with the JSON names of the alert resource.
type Alert struct {
	ID                 string         `json:"id"`
	IncidentID         *int64         `json:"incidentId"`
	InvestigationID    *int64         `json:"investigationId"`
	InvestigationState string         `json:"investigationState"`
	AssignedTo         string         `json:"assignedTo"`
	Severity           string         `json:"severity"`
	Status             string         `json:"status"`
	Classification     string         `json:"classification"`
	Determination      string         `json:"determination"`
	DetectionSource    string         `json:"detectionSource"`
	DetectorID         string         `json:"detectorId"`
	Category           string         `json:"category"`
	ThreatFamilyName   string         `json:"threatFamilyName"`
	ThreatName         string         `json:"threatName"`
	Title              string         `json:"title"`
	Description        string         `json:"description"`
	AlertCreationTime  time.Time      `json:"alertCreationTime"`
	FirstEventTime     time.Time      `json:"firstEventTime"`
	LastEventTime      time.Time      `json:"lastEventTime"`
	LastUpdateTime     time.Time      `json:"lastUpdateTime"`
	ResolvedTime       *time.Time     `json:"resolvedTime"`
	MachineID          string         `json:"machineId"`
	ComputerDNSName    string         `json:"computerDnsName"`
	RBACGroupName      string         `json:"rbacGroupName"`
	AADTenantID        string         `json:"aadTenantId"`
	MitreTechniques    []string       `json:"mitreTechniques"`
	RelatedUser        *RelatedUser   `json:"relatedUser"`
	Comments           []AlertComment `json:"comments"`
	Evidence           []Evidence     `json:"evidence"`
}

// RelatedUser is the user an alert is about.
type RelatedUser struct {
	UserName   string `json:"userName"`
	DomainName string `json:"domainName"`
}

// AlertComment is one entry of an alert's comments.
type AlertComment struct {
	Comment     string    `json:"comment"`
	CreatedBy   string    `json:"createdBy"`
	CreatedTime time.Time `json:"createdTime"`
}

// Evidence is one entity an alert points at: a file, process, IP, URL, user or registry value.
// EntityType says which of the other fields are set.
type Evidence struct {
	EntityType                string     `json:"entityType"`
	EvidenceCreationTime      time.Time  `json:"evidenceCreationTime"`
	SHA1                      string     `json:"sha1"`
	SHA256                    string     `json:"sha256"`
	FileName                  string     `json:"fileName"`
	FilePath                  string     `json:"filePath"`
	ProcessID                 *int64     `json:"processId"`
	ProcessCommandLine        string     `json:"processCommandLine"`
	ProcessCreationTime       *time.Time `json:"processCreationTime"`
	ParentProcessID           *int64     `json:"parentProcessId"`
	ParentProcessCreationTime *time.Time `json:"parentProcessCreationTime"`
	ParentProcessFileName     string     `json:"parentProcessFileName"`
	ParentProcessFilePath     string     `json:"parentProcessFilePath"`
	IPAddress                 string     `json:"ipAddress"`
	URL                       string     `json:"url"`
	RegistryKey               string     `json:"registryKey"`
	RegistryHive              string     `json:"registryHive"`
	RegistryValueType         string     `json:"registryValueType"`
	RegistryValue             string     `json:"registryValue"`
	AccountName               string     `json:"accountName"`
	DomainName                string     `json:"domainName"`
	UserSID                   string     `json:"userSid"`
	AADUserID                 string     `json:"aadUserId"`
	UserPrincipalName         string     `json:"userPrincipalName"`
	DetectionStatus           string     `json:"detectionStatus"`
}

// alertFields are the properties GET /api/alerts accepts in $filter.
func alertFields() fields[Alert] {
	return fields[Alert]{
		"alertcreationtime": {kindTime, func(a *Alert) value { return timeVal(a.AlertCreationTime) }},
		"lastupdatetime":    {kindTime, func(a *Alert) value { return timeVal(a.LastUpdateTime) }},
		"lasteventtime":     {kindTime, func(a *Alert) value { return timeVal(a.LastEventTime) }},
		"incidentid":        {kindNumber, func(a *Alert) value { return intPtrVal(a.IncidentID) }},
		"investigationid":   {kindNumber, func(a *Alert) value { return intPtrVal(a.InvestigationID) }},
		"id":                {kindString, func(a *Alert) value { return strVal(a.ID) }},
		"assignedto":        {kindString, func(a *Alert) value { return strVal(a.AssignedTo) }},
		"detectionsource":   {kindString, func(a *Alert) value { return strVal(a.DetectionSource) }},
		"status":            {kindString, func(a *Alert) value { return strVal(a.Status) }},
		"severity":          {kindString, func(a *Alert) value { return strVal(a.Severity) }},
		"category":          {kindString, func(a *Alert) value { return strVal(a.Category) }},
	}
}

// clone returns a deep copy whose slices are never nil, so they encode as [].
func (a Alert) clone() Alert {
	a.MitreTechniques = cloneStrings(a.MitreTechniques)
	a.Comments = append([]AlertComment{}, a.Comments...)
	a.Evidence = append([]Evidence{}, a.Evidence...)
	if a.RelatedUser != nil {
		u := *a.RelatedUser
		a.RelatedUser = &u
	}
	a.IncidentID = clonePtr(a.IncidentID)
	a.InvestigationID = clonePtr(a.InvestigationID)
	a.ResolvedTime = clonePtr(a.ResolvedTime)
	return a
}

func cloneStrings(s []string) []string { return append([]string{}, s...) }

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// AddAlert stores a, filling in an id, times (the fake's now), status New, severity Medium and
// the device name from its machine when they are empty, and returns the stored alert. An alert
// with an existing id replaces it.
func (f *Fake) AddAlert(a Alert) Alert {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.addAlertLocked(a)
}

func (f *Fake) addAlertLocked(a Alert) Alert {
	a = a.clone()
	if a.ID == "" {
		f.seq++
		a.ID = fmt.Sprintf("da%018d_%d", 638600000000000000+f.seq, 1000000000+f.seq*7919)
	}
	for _, t := range []*time.Time{&a.AlertCreationTime, &a.FirstEventTime, &a.LastEventTime, &a.LastUpdateTime} {
		if t.IsZero() {
			*t = f.now
		}
	}
	if a.Status == "" {
		a.Status = "New"
	}
	if a.Severity == "" {
		a.Severity = "Medium"
	}
	if m := f.machineLocked(a.MachineID); m != nil {
		if a.ComputerDNSName == "" {
			a.ComputerDNSName = m.ComputerDNSName
		}
		if a.RBACGroupName == "" {
			a.RBACGroupName = m.RBACGroupName
		}
	}
	if i, ok := f.alertIdx[a.ID]; ok {
		f.alerts[i] = a
		return a.clone()
	}
	f.alertIdx[a.ID] = len(f.alerts)
	f.alerts = append(f.alerts, a)
	return a.clone()
}

// Alert returns a copy of the alert with the given id, evidence included.
func (f *Fake) Alert(id string) (Alert, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	i, ok := f.alertIdx[id]
	if !ok {
		return Alert{}, false
	}
	return f.alerts[i].clone(), true
}

// Alerts returns copies of all alerts in the order they were added.
func (f *Fake) Alerts() []Alert {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Alert, len(f.alerts))
	for i := range f.alerts {
		out[i] = f.alerts[i].clone()
	}
	return out
}

// UpdateAlert changes the alert with the given id through fn and sets its lastUpdateTime to the
// fake's now. It returns ErrNotFound for an unknown id.
func (f *Fake) UpdateAlert(id string, fn func(*Alert)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	i, ok := f.alertIdx[id]
	if !ok {
		return fmt.Errorf("alert %s: %w", id, ErrNotFound)
	}
	a := f.alerts[i].clone()
	fn(&a)
	a.ID = id
	a.LastUpdateTime = f.now
	f.alerts[i] = a.clone()
	return nil
}

// alertsWhere returns copies of the alerts for which keep is true, in insertion order.
func (f *Fake) alertsWhere(keep func(*Alert) bool) []Alert {
	out := f.alertsShallow(keep)
	for i := range out {
		out[i] = out[i].clone()
	}
	return out
}

// alertsShallow is alertsWhere without the deep copy, for listings that clone only the page
// they return. Stored alerts never change their slices' existing elements in place, so reading
// a shallow copy after the lock is released is safe.
func (f *Fake) alertsShallow(keep func(*Alert) bool) []Alert {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Alert
	for i := range f.alerts {
		if keep(&f.alerts[i]) {
			out = append(out, f.alerts[i])
		}
	}
	return out
}

// hasEvidence reports whether any evidence of a satisfies match.
func (a *Alert) hasEvidence(match func(*Evidence) bool) bool {
	return slices.ContainsFunc(a.Evidence, func(e Evidence) bool { return match(&e) })
}
