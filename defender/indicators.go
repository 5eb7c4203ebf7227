package defender

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"strings"
)

// IndicatorType is the kind of value a custom indicator matches.
type IndicatorType string

// Indicator types.
const (
	IndicatorSHA1        IndicatorType = "FileSha1"
	IndicatorSHA256      IndicatorType = "FileSha256"
	IndicatorMD5         IndicatorType = "FileMd5"
	IndicatorCertificate IndicatorType = "CertificateThumbprint"
	IndicatorIP          IndicatorType = "IpAddress"
	IndicatorDomain      IndicatorType = "DomainName"
	IndicatorURL         IndicatorType = "Url"
)

// IndicatorAction is what MDE does when an indicator matches.
type IndicatorAction string

// Indicator actions (Alert and AlertAndBlock are legacy, still seen in old indicators).
const (
	IndicatorAllowed           IndicatorAction = "Allowed"
	IndicatorAudit             IndicatorAction = "Audit"
	IndicatorBlock             IndicatorAction = "Block"
	IndicatorBlockAndRemediate IndicatorAction = "BlockAndRemediate"
	IndicatorWarn              IndicatorAction = "Warn"
)

// Indicator is a custom indicator of compromise.
// https://learn.microsoft.com/defender-endpoint/api/ti-indicator
type Indicator struct {
	ID                   FlexString      `json:"id"`
	IndicatorValue       string          `json:"indicatorValue"`
	IndicatorType        IndicatorType   `json:"indicatorType"`
	Application          string          `json:"application,omitempty"`
	Action               IndicatorAction `json:"action"`
	ExternalID           string          `json:"externalID,omitempty"`
	SourceType           string          `json:"sourceType,omitempty"`
	CreatedBySource      string          `json:"createdBySource,omitempty"`
	CreatedBy            string          `json:"createdBy,omitempty"`
	CreatedByDisplayName string          `json:"createdByDisplayName,omitempty"`
	LastUpdatedBy        string          `json:"lastUpdatedBy,omitempty"`
	CreationTime         Timestamp       `json:"creationTimeDateTimeUtc"`
	ExpirationTime       Timestamp       `json:"expirationTime"`
	LastUpdateTime       Timestamp       `json:"lastUpdateTime"`
	Severity             string          `json:"severity,omitempty"`
	Title                string          `json:"title,omitempty"`
	Description          string          `json:"description,omitempty"`
	RecommendedActions   string          `json:"recommendedActions,omitempty"`
	RBACGroupNames       []string        `json:"rbacGroupNames,omitempty"`
	RBACGroupIDs         []FlexString    `json:"rbacGroupIds,omitempty"`
	GenerateAlert        bool            `json:"generateAlert,omitempty"`
}

// IndicatorInput is a new (or updated: MDE upserts on value and type) indicator.
type IndicatorInput struct {
	IndicatorValue     string          `json:"indicatorValue"`
	IndicatorType      IndicatorType   `json:"indicatorType"`
	Action             IndicatorAction `json:"action"`
	Title              string          `json:"title"`
	Description        string          `json:"description"`
	Application        string          `json:"application,omitempty"`
	ExpirationTime     *Timestamp      `json:"expirationTime,omitempty"`
	Severity           string          `json:"severity,omitempty"`
	RecommendedActions string          `json:"recommendedActions,omitempty"`
	RBACGroupNames     []string        `json:"rbacGroupNames,omitempty"`
	GenerateAlert      bool            `json:"generateAlert,omitempty"`
	ExternalID         string          `json:"externalID,omitempty"`
}

// IndicatorFor works out the indicator type of a value (a hash, an IP, a URL or a domain) and
// returns it with the value in the form MDE expects.
func IndicatorFor(value string) (IndicatorType, string, error) {
	v := strings.TrimSpace(value)
	if t, h, err := ParseHash(v); err == nil {
		return IndicatorType(t), h, nil
	}
	if ip, err := ParseIP(v); err == nil {
		return IndicatorIP, ip.String(), nil
	}
	if strings.Contains(v, "://") {
		if err := ValidateURL(v); err != nil {
			return "", "", err
		}
		return IndicatorURL, v, nil
	}
	if err := ValidateDomain(v); err != nil {
		return "", "", &ValidationError{Kind: "indicator", Reason: "expected a SHA-1, SHA-256 or MD5 hash, an IP address, a domain or an http(s) URL"}
	}
	return IndicatorDomain, strings.ToLower(strings.TrimSuffix(v, ".")), nil
}

// Indicators iterates over the active custom indicators the options select.
// https://learn.microsoft.com/defender-endpoint/api/get-ti-indicators-collection
func (c *Client) Indicators(ctx context.Context, opts ListOptions) iter.Seq2[Indicator, error] {
	return list[Indicator](ctx, c, "indicators", opts, nil)
}

// ListIndicators returns every active indicator the options select.
func (c *Client) ListIndicators(ctx context.Context, opts ListOptions) ([]Indicator, error) {
	return collect(c.Indicators(ctx, opts))
}

// SubmitIndicator creates an indicator, or updates the one with the same value and type.
// https://learn.microsoft.com/defender-endpoint/api/post-ti-indicator
func (c *Client) SubmitIndicator(ctx context.Context, in IndicatorInput) (Indicator, error) {
	var out Indicator
	switch {
	case strings.TrimSpace(in.IndicatorValue) == "" || in.IndicatorType == "" || in.Action == "":
		return out, errors.New("defender: an indicator needs a value, a type and an action")
	case strings.TrimSpace(in.Title) == "" || strings.TrimSpace(in.Description) == "":
		return out, errors.New("defender: an indicator needs a title and a description")
	}
	err := c.do(ctx, call{method: http.MethodPost, path: "indicators", body: in}, &out)
	return out, err
}

// DeleteIndicator removes an indicator by its id.
// https://learn.microsoft.com/defender-endpoint/api/delete-ti-indicator-by-id
func (c *Client) DeleteIndicator(ctx context.Context, id string) error {
	seg, err := segment(id)
	if err != nil {
		return err
	}
	return c.do(ctx, call{method: http.MethodDelete, path: "indicators/" + seg}, nil)
}
