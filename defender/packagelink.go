package defender

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// PackageURI returns the short-lived download link of a collected investigation package. MDE
// answers 404 (ErrNotFound) until the collection has succeeded.
// https://learn.microsoft.com/defender-endpoint/api/get-package-sas-uri
func (c *Client) PackageURI(ctx context.Context, actionID string) (string, error) {
	seg, err := segment(actionID)
	if err != nil {
		return "", err
	}
	var v struct {
		Value string `json:"value"`
	}
	if err = c.do(ctx, call{method: http.MethodGet, path: "machineactions/" + seg + "/GetPackageUri"}, &v); err != nil {
		return "", err
	}
	return packageLink(v.Value)
}

// packageLink reads GetPackageUri's value, which the docs show with literal quotes inside the
// JSON string ("value": "\"https://userrequests-us.securitycenter.windows.com:443/...\""), and
// accepts only an absolute https URL.
func packageLink(v string) (string, error) {
	s := strings.TrimSpace(v)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || strings.ContainsAny(s, "\"\r\n ") {
		return "", errors.New("defender: the investigation package link is not an https URL")
	}
	return s, nil
}
