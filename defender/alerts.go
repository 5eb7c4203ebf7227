package defender

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
)

// Severity is an alert's severity.
type Severity string

// Alert severities, lowest first.
const (
	SeverityUnspecified   Severity = "UnSpecified"
	SeverityInformational Severity = "Informational"
	SeverityLow           Severity = "Low"
	SeverityMedium        Severity = "Medium"
	SeverityHigh          Severity = "High"
)

// Rank orders severities: UnSpecified 0 ... High 4; unknown values rank 0.
func (s Severity) Rank() int {
	switch s {
	case SeverityInformational:
		return 1
	case SeverityLow:
		return 2
	case SeverityMedium:
		return 3
	case SeverityHigh:
		return 4
	}
	return 0
}

// AtLeast reports whether s reaches threshold, for filters such as "post alerts of
// severity Low and above". UnSpecified and unknown values, on either side, count as
// Informational: a threshold of Informational lets every alert through, and an alert MDE gives
// no severity is never ranked below the lowest threshold one can set.
func (s Severity) AtLeast(threshold Severity) bool {
	return max(s.Rank(), 1) >= max(threshold.Rank(), 1)
}

// AlertStatus is an alert's status.
type AlertStatus string

// Alert statuses.
const (
	StatusNew        AlertStatus = "New"
	StatusInProgress AlertStatus = "InProgress"
	StatusResolved   AlertStatus = "Resolved"
)

// Classification of a resolved alert.
type Classification string

// Classifications MDE accepts in an update.
const (
	TruePositive                  Classification = "TruePositive"
	InformationalExpectedActivity Classification = "InformationalExpectedActivity"
	FalsePositive                 Classification = "FalsePositive"
)

// Alert is an MDE alert. Evidence is filled only when asked for (WithEvidence).
// https://learn.microsoft.com/defender-endpoint/api/alerts
type Alert struct {
	ID                 string         `json:"id"`
	IncidentID         int64          `json:"incidentId,omitempty"`
	InvestigationID    int64          `json:"investigationId,omitempty"`
	InvestigationState string         `json:"investigationState,omitempty"`
	AssignedTo         string         `json:"assignedTo,omitempty"`
	Severity           Severity       `json:"severity"`
	Status             AlertStatus    `json:"status"`
	Classification     Classification `json:"classification,omitempty"`
	Determination      string         `json:"determination,omitempty"`
	DetectionSource    string         `json:"detectionSource,omitempty"`
	DetectorID         string         `json:"detectorId,omitempty"`
	Category           string         `json:"category,omitempty"`
	ThreatFamilyName   string         `json:"threatFamilyName,omitempty"`
	ThreatName         string         `json:"threatName,omitempty"`
	Title              string         `json:"title"`
	Description        string         `json:"description,omitempty"`
	AlertCreationTime  Timestamp      `json:"alertCreationTime"`
	FirstEventTime     Timestamp      `json:"firstEventTime"`
	LastEventTime      Timestamp      `json:"lastEventTime"`
	LastUpdateTime     Timestamp      `json:"lastUpdateTime"`
	ResolvedTime       Timestamp      `json:"resolvedTime"`
	MachineID          string         `json:"machineId,omitempty"`
	ComputerDNSName    string         `json:"computerDnsName,omitempty"`
	RBACGroupName      string         `json:"rbacGroupName,omitempty"`
	AADTenantID        string         `json:"aadTenantId,omitempty"`
	MitreTechniques    []string       `json:"mitreTechniques,omitempty"`
	RelatedUser        *RelatedUser   `json:"relatedUser,omitempty"`
	Comments           []AlertComment `json:"comments,omitempty"`
	Evidence           []Evidence     `json:"evidence,omitempty"`
}

// RelatedUser is the user an alert is about.
type RelatedUser struct {
	UserName   string `json:"userName"`
	DomainName string `json:"domainName"`
}

// AlertComment is one comment on an alert.
type AlertComment struct {
	Comment     string    `json:"comment"`
	CreatedBy   string    `json:"createdBy"`
	CreatedTime Timestamp `json:"createdTime"`
}

// Evidence is one entity an alert points at (file, process, IP, URL, user, registry value ...).
type Evidence struct {
	EntityType                string    `json:"entityType"`
	EvidenceCreationTime      Timestamp `json:"evidenceCreationTime"`
	SHA1                      string    `json:"sha1,omitempty"`
	SHA256                    string    `json:"sha256,omitempty"`
	FileName                  string    `json:"fileName,omitempty"`
	FilePath                  string    `json:"filePath,omitempty"`
	ProcessID                 int64     `json:"processId,omitempty"`
	ProcessCommandLine        string    `json:"processCommandLine,omitempty"`
	ProcessCreationTime       Timestamp `json:"processCreationTime"`
	ParentProcessID           int64     `json:"parentProcessId,omitempty"`
	ParentProcessCreationTime Timestamp `json:"parentProcessCreationTime"`
	ParentProcessFileName     string    `json:"parentProcessFileName,omitempty"`
	ParentProcessFilePath     string    `json:"parentProcessFilePath,omitempty"`
	IPAddress                 string    `json:"ipAddress,omitempty"`
	URL                       string    `json:"url,omitempty"`
	RegistryKey               string    `json:"registryKey,omitempty"`
	RegistryHive              string    `json:"registryHive,omitempty"`
	RegistryValueType         string    `json:"registryValueType,omitempty"`
	RegistryValue             string    `json:"registryValue,omitempty"`
	AccountName               string    `json:"accountName,omitempty"`
	DomainName                string    `json:"domainName,omitempty"`
	UserSID                   string    `json:"userSid,omitempty"`
	AADUserID                 string    `json:"aadUserId,omitempty"`
	UserPrincipalName         string    `json:"userPrincipalName,omitempty"`
	DetectionStatus           string    `json:"detectionStatus,omitempty"`
}

// AlertListOptions selects alerts.
type AlertListOptions struct {
	ListOptions
	// WithEvidence asks for $expand=evidence.
	WithEvidence bool
}

// Alerts iterates over every alert the options select, page by page.
// https://learn.microsoft.com/defender-endpoint/api/get-alerts
func (c *Client) Alerts(ctx context.Context, opts AlertListOptions) iter.Seq2[Alert, error] {
	return list[Alert](ctx, c, "alerts", opts.ListOptions, expandEvidence(opts.WithEvidence))
}

// ListAlerts returns every alert the options select.
func (c *Client) ListAlerts(ctx context.Context, opts AlertListOptions) ([]Alert, error) {
	return collect(c.Alerts(ctx, opts))
}

// GetAlert returns one alert, with its evidence when withEvidence is set.
// https://learn.microsoft.com/defender-endpoint/api/get-alert-info-by-id
func (c *Client) GetAlert(ctx context.Context, id string, withEvidence bool) (Alert, error) {
	var a Alert
	seg, err := segment(id)
	if err != nil {
		return a, err
	}
	err = c.do(ctx, call{method: http.MethodGet, path: "alerts/" + seg, query: expandEvidence(withEvidence)}, &a)
	return a, err
}

func expandEvidence(on bool) url.Values {
	if !on {
		return nil
	}
	return url.Values{"$expand": {"evidence"}}
}

// AlertUpdate changes an alert; only the fields that are set are sent.
type AlertUpdate struct {
	Status         AlertStatus    `json:"status,omitempty"`
	AssignedTo     string         `json:"assignedTo,omitempty"`
	Classification Classification `json:"classification,omitempty"`
	Determination  string         `json:"determination,omitempty"`
	Comment        string         `json:"comment,omitempty"`
}

// UpdateAlert changes an alert's status, assignment, classification or determination, or adds a
// comment, and returns the updated alert.
// https://learn.microsoft.com/defender-endpoint/api/update-alert
func (c *Client) UpdateAlert(ctx context.Context, id string, u AlertUpdate) (Alert, error) {
	var a Alert
	seg, err := segment(id)
	if err != nil {
		return a, err
	}
	if u == (AlertUpdate{}) {
		return a, errors.New("defender: an alert update must change something")
	}
	err = c.do(ctx, call{method: http.MethodPatch, path: "alerts/" + seg, body: u}, &a)
	var apiErr *APIError
	if other, ok := otherSpelling[u.Determination]; ok && errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusBadRequest {
		u.Determination = other
		a = Alert{}
		err = c.do(ctx, call{method: http.MethodPatch, path: "alerts/" + seg, body: u}, &a)
	}
	return a, err
}

// otherSpelling pairs the two names Microsoft's pages give one determination. The Alert
// resource page (https://learn.microsoft.com/defender-endpoint/api/alerts) writes
// ConfirmedUserActivity and Clean; the Update alert page
// (https://learn.microsoft.com/defender-endpoint/api/update-alert) writes ConfirmedActivity and
// NotMalicious. An update MDE refuses with 400 is sent once more with the other name.
var otherSpelling = map[string]string{
	"ConfirmedUserActivity": "ConfirmedActivity",
	"ConfirmedActivity":     "ConfirmedUserActivity",
	"Clean":                 "NotMalicious",
	"NotMalicious":          "Clean",
}

// AlertMachine returns the device an alert is on.
// https://learn.microsoft.com/defender-endpoint/api/get-alert-related-machine-info
func (c *Client) AlertMachine(ctx context.Context, id string) (Machine, error) {
	var m Machine
	seg, err := segment(id)
	if err != nil {
		return m, err
	}
	err = c.do(ctx, call{method: http.MethodGet, path: "alerts/" + seg + "/machine"}, &m)
	return m, err
}

// AlertUser returns the user an alert is about.
// https://learn.microsoft.com/defender-endpoint/api/get-alert-related-user-info
func (c *Client) AlertUser(ctx context.Context, id string) (User, error) {
	var u User
	seg, err := segment(id)
	if err != nil {
		return u, err
	}
	err = c.do(ctx, call{method: http.MethodGet, path: "alerts/" + seg + "/user"}, &u)
	return u, err
}

// AlertFiles returns the files related to an alert.
// https://learn.microsoft.com/defender-endpoint/api/get-alert-related-files-info
func (c *Client) AlertFiles(ctx context.Context, id string) ([]File, error) {
	return alertRelated[File](ctx, c, id, "files")
}

// AlertIPs returns the IP addresses related to an alert.
// https://learn.microsoft.com/defender-endpoint/api/get-alert-related-ip-info
func (c *Client) AlertIPs(ctx context.Context, id string) ([]string, error) {
	ips, err := alertRelated[struct {
		ID string `json:"id"`
	}](ctx, c, id, "ips")
	out := make([]string, 0, len(ips))
	for _, ip := range ips {
		out = append(out, ip.ID)
	}
	return out, err
}

// AlertDomains returns the domains related to an alert.
// https://learn.microsoft.com/defender-endpoint/api/get-alert-related-domain-info
func (c *Client) AlertDomains(ctx context.Context, id string) ([]string, error) {
	ds, err := alertRelated[struct {
		Host string `json:"host"`
	}](ctx, c, id, "domains")
	out := make([]string, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.Host)
	}
	return out, err
}

func alertRelated[T any](ctx context.Context, c *Client, id, what string) ([]T, error) {
	seg, err := segment(id)
	if err != nil {
		return nil, err
	}
	return getList[T](ctx, c, "alerts/"+seg+"/"+what, nil)
}
