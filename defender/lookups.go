package defender

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// File is a file profile.
// https://learn.microsoft.com/defender-endpoint/api/files
type File struct {
	SHA1                string    `json:"sha1"`
	SHA256              string    `json:"sha256,omitempty"`
	MD5                 string    `json:"md5,omitempty"`
	GlobalPrevalence    FlexInt   `json:"globalPrevalence,omitempty"`
	GlobalFirstObserved Timestamp `json:"globalFirstObserved"`
	GlobalLastObserved  Timestamp `json:"globalLastObserved"`
	Size                FlexInt   `json:"size,omitempty"`
	FileType            string    `json:"fileType,omitempty"`
	IsPEFile            bool      `json:"isPeFile,omitempty"`
	FilePublisher       string    `json:"filePublisher,omitempty"`
	FileProductName     string    `json:"fileProductName,omitempty"`
	Signer              string    `json:"signer,omitempty"`
	Issuer              string    `json:"issuer,omitempty"`
	SignerHash          string    `json:"signerHash,omitempty"`
	IsValidCertificate  bool      `json:"isValidCertificate,omitempty"`
	DeterminationType   string    `json:"determinationType,omitempty"`
	DeterminationValue  string    `json:"determinationValue,omitempty"`
	FileName            string    `json:"fileName,omitempty"`
	FilePath            string    `json:"filePath,omitempty"`
}

// FileStats is a file's prevalence in the organisation and worldwide.
type FileStats struct {
	SHA1                   string    `json:"sha1"`
	OrganizationPrevalence FlexInt   `json:"organizationPrevalence"`
	OrgFirstSeen           Timestamp `json:"orgFirstSeen"`
	OrgLastSeen            Timestamp `json:"orgLastSeen"`
	GlobalPrevalence       FlexInt   `json:"globalPrevalence"`
	GlobalFirstObserved    Timestamp `json:"globalFirstObserved"`
	GlobalLastObserved     Timestamp `json:"globalLastObserved"`
	TopFileNames           []string  `json:"topFileNames"`
}

// UnmarshalJSON accepts "globallyPrevalence", the spelling the file stats doc uses, as well as
// "globalPrevalence".
func (s *FileStats) UnmarshalJSON(b []byte) error {
	type plain FileStats
	var aux struct {
		plain
		Globally FlexInt `json:"globallyPrevalence"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*s = FileStats(aux.plain)
	if s.GlobalPrevalence == 0 {
		s.GlobalPrevalence = aux.Globally
	}
	return nil
}

// EntityStats is the prevalence of an IP address or a domain in the organisation.
type EntityStats struct {
	IPAddress              string    `json:"ipAddress,omitempty"`
	Host                   string    `json:"host,omitempty"`
	OrganizationPrevalence FlexInt   `json:"organizationPrevalence"`
	OrgFirstSeen           Timestamp `json:"orgFirstSeen"`
	OrgLastSeen            Timestamp `json:"orgLastSeen"`
}

// User is a user profile as MDE sees it.
// https://learn.microsoft.com/defender-endpoint/api/user
type User struct {
	ID                      string    `json:"id"`
	AccountName             string    `json:"accountName"`
	AccountDomain           string    `json:"accountDomain,omitempty"`
	AccountSID              string    `json:"accountSid,omitempty"`
	FirstSeen               Timestamp `json:"firstSeen"`
	LastSeen                Timestamp `json:"lastSeen"`
	MostPrevalentMachineID  string    `json:"mostPrevalentMachineId,omitempty"`
	LeastPrevalentMachineID string    `json:"leastPrevalentMachineId,omitempty"`
	LogonTypes              string    `json:"logonTypes,omitempty"`
	LogOnMachinesCount      FlexInt   `json:"logOnMachinesCount,omitempty"`
	IsDomainAdmin           bool      `json:"isDomainAdmin,omitempty"`
	IsOnlyNetworkUser       bool      `json:"isOnlyNetworkUser,omitempty"`
}

// MaxLookBack is the longest look-back the stats endpoints accept (30 days).
const MaxLookBack = 720 * time.Hour

func lookBack(d time.Duration) url.Values {
	if d <= 0 {
		return nil
	}
	h := int(min(d, MaxLookBack).Hours())
	return url.Values{"lookBackHours": {strconv.Itoa(max(1, h))}}
}

func hashSegment(hash string) (string, error) {
	if _, h, err := ParseHash(hash); err != nil {
		return "", err
	} else if len(h) == 32 {
		return "", &ValidationError{Kind: "hash", Reason: "file profiles are looked up by SHA-1 or SHA-256, not MD5"}
	} else {
		return h, nil
	}
}

// GetFile returns a file's profile by SHA-1 or SHA-256.
// https://learn.microsoft.com/defender-endpoint/api/get-file-information
func (c *Client) GetFile(ctx context.Context, hash string) (File, error) {
	var f File
	h, err := hashSegment(hash)
	if err != nil {
		return f, err
	}
	err = c.do(ctx, call{method: http.MethodGet, path: "files/" + h}, &f)
	return f, err
}

// FileStatistics returns a file's prevalence over the look-back (30 days when zero).
// https://learn.microsoft.com/defender-endpoint/api/get-file-statistics
func (c *Client) FileStatistics(ctx context.Context, hash string, lb time.Duration) (FileStats, error) {
	var s FileStats
	h, err := hashSegment(hash)
	if err != nil {
		return s, err
	}
	err = c.do(ctx, call{method: http.MethodGet, path: "files/" + h + "/stats", query: lookBack(lb)}, &s)
	return s, err
}

// FileAlerts returns the alerts related to a file. The endpoint takes a SHA-1 only ("Only SHA-1
// Hash Function is supported (not MD5 or SHA-256)"), so a SHA-256 is first looked up for its
// SHA-1. An MD5 cannot be: MDE looks file profiles up by SHA-1 or SHA-256 only.
// https://learn.microsoft.com/defender-endpoint/api/get-file-related-alerts
func (c *Client) FileAlerts(ctx context.Context, hash string) ([]Alert, error) {
	h, err := hashSegment(hash)
	if err != nil {
		return nil, err
	}
	if len(h) != 40 {
		f, err := c.GetFile(ctx, h)
		if err != nil {
			return nil, err
		}
		if ValidateSHA1(f.SHA1) != nil {
			return nil, &ValidationError{Kind: "hash", Reason: "Defender knows no SHA-1 for this SHA-256, and file alerts are looked up by SHA-1 only"}
		}
		h = strings.ToLower(f.SHA1)
	}
	return getList[Alert](ctx, c, "files/"+h+"/alerts", nil)
}

// FileMachines returns the devices a file was seen on (SHA-1 only).
// https://learn.microsoft.com/defender-endpoint/api/get-file-related-machines
func (c *Client) FileMachines(ctx context.Context, sha1 string) ([]Machine, error) {
	if err := ValidateSHA1(sha1); err != nil {
		return nil, err
	}
	return getList[Machine](ctx, c, "files/"+strings.ToLower(sha1)+"/machines", nil)
}

// IPStatistics returns how many devices talked to an IP address over the look-back.
// https://learn.microsoft.com/defender-endpoint/api/get-ip-statistics
func (c *Client) IPStatistics(ctx context.Context, ip string, lb time.Duration) (EntityStats, error) {
	var s EntityStats
	a, err := ParseIP(ip)
	if err != nil {
		return s, err
	}
	err = c.do(ctx, call{method: http.MethodGet, path: "ips/" + a.String() + "/stats", query: lookBack(lb)}, &s)
	return s, err
}

// IPAlerts returns the alerts related to an IP address.
func (c *Client) IPAlerts(ctx context.Context, ip string) ([]Alert, error) {
	a, err := ParseIP(ip)
	if err != nil {
		return nil, err
	}
	return getList[Alert](ctx, c, "ips/"+a.String()+"/alerts", nil)
}

// DomainStatistics returns how many devices reached a domain over the look-back.
// https://learn.microsoft.com/defender-endpoint/api/get-domain-statistics
func (c *Client) DomainStatistics(ctx context.Context, domain string, lb time.Duration) (EntityStats, error) {
	var s EntityStats
	if err := ValidateDomain(domain); err != nil {
		return s, err
	}
	err := c.do(ctx, call{method: http.MethodGet, path: "domains/" + strings.ToLower(domain) + "/stats", query: lookBack(lb)}, &s)
	return s, err
}

// DomainAlerts returns the alerts related to a domain.
func (c *Client) DomainAlerts(ctx context.Context, domain string) ([]Alert, error) {
	if err := ValidateDomain(domain); err != nil {
		return nil, err
	}
	return getList[Alert](ctx, c, "domains/"+strings.ToLower(domain)+"/alerts", nil)
}

// DomainMachines returns the devices that reached a domain (MDE caps the list at 500).
func (c *Client) DomainMachines(ctx context.Context, domain string) ([]Machine, error) {
	if err := ValidateDomain(domain); err != nil {
		return nil, err
	}
	return getList[Machine](ctx, c, "domains/"+strings.ToLower(domain)+"/machines", nil)
}

// UserAlerts returns the alerts related to a user, by account name (not a UPN).
// https://learn.microsoft.com/defender-endpoint/api/get-user-related-alerts
func (c *Client) UserAlerts(ctx context.Context, name string) ([]Alert, error) {
	seg, err := userSegment(name)
	if err != nil {
		return nil, err
	}
	return getList[Alert](ctx, c, "users/"+seg+"/alerts", nil)
}

// UserMachines returns the devices a user logged on to, by account name (not a UPN).
// https://learn.microsoft.com/defender-endpoint/api/get-user-related-machines
func (c *Client) UserMachines(ctx context.Context, name string) ([]Machine, error) {
	seg, err := userSegment(name)
	if err != nil {
		return nil, err
	}
	return getList[Machine](ctx, c, "users/"+seg+"/machines", nil)
}

func userSegment(name string) (string, error) {
	if strings.Contains(name, "@") {
		return "", &ValidationError{Kind: "user name", Reason: "MDE looks users up by account name (alice), not by UPN (alice@contoso.com)"}
	}
	return segment(strings.TrimSpace(name))
}
