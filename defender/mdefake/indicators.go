package mdefake

import (
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Indicator is a custom threat indicator with the JSON names of the indicator resource.
type Indicator struct {
	ID                      string     `json:"id"`
	IndicatorValue          string     `json:"indicatorValue"`
	IndicatorType           string     `json:"indicatorType"`
	Action                  string     `json:"action"`
	Application             string     `json:"application"`
	Source                  string     `json:"source"`
	SourceType              string     `json:"sourceType"`
	CreatedBy               string     `json:"createdBy"`
	CreatedBySource         string     `json:"createdBySource"`
	CreatedByDisplayName    string     `json:"createdByDisplayName"`
	LastUpdatedBy           string     `json:"lastUpdatedBy"`
	CreationTimeDateTimeUTC time.Time  `json:"creationTimeDateTimeUtc"`
	ExpirationTime          *time.Time `json:"expirationTime"`
	LastUpdateTime          time.Time  `json:"lastUpdateTime"`
	Severity                string     `json:"severity"`
	Title                   string     `json:"title"`
	Description             string     `json:"description"`
	RecommendedActions      string     `json:"recommendedActions"`
	RBACGroupNames          []string   `json:"rbacGroupNames"`
	RBACGroupIDs            []string   `json:"rbacGroupIds"`
	GenerateAlert           bool       `json:"generateAlert"`
	ExternalID              string     `json:"externalID"`
	EducateURL              string     `json:"educateUrl"`
}

func indicatorFields() fields[Indicator] {
	return fields[Indicator]{
		"application":             {kindString, func(i *Indicator) value { return strVal(i.Application) }},
		"createdbydisplayname":    {kindString, func(i *Indicator) value { return strVal(i.CreatedByDisplayName) }},
		"expirationtime":          {kindTime, func(i *Indicator) value { return timePtrVal(i.ExpirationTime) }},
		"generatealert":           {kindBool, func(i *Indicator) value { return value{b: i.GenerateAlert} }},
		"title":                   {kindString, func(i *Indicator) value { return strVal(i.Title) }},
		"rbacgroupnames":          {kindList, func(i *Indicator) value { return value{list: i.RBACGroupNames} }},
		"rbacgroupids":            {kindList, func(i *Indicator) value { return value{list: i.RBACGroupIDs} }},
		"indicatorvalue":          {kindString, func(i *Indicator) value { return strVal(i.IndicatorValue) }},
		"indicatortype":           {kindString, func(i *Indicator) value { return strVal(i.IndicatorType) }},
		"creationtimedatetimeutc": {kindTime, func(i *Indicator) value { return timeVal(i.CreationTimeDateTimeUTC) }},
		"createdby":               {kindString, func(i *Indicator) value { return strVal(i.CreatedBy) }},
		"action":                  {kindString, func(i *Indicator) value { return strVal(i.Action) }},
		"severity":                {kindString, func(i *Indicator) value { return strVal(i.Severity) }},
	}
}

func (i Indicator) clone() Indicator {
	i.ExpirationTime = clonePtr(i.ExpirationTime)
	i.RBACGroupNames = cloneStrings(i.RBACGroupNames)
	i.RBACGroupIDs = cloneStrings(i.RBACGroupIDs)
	return i
}

// active reports whether the indicator has not expired at now.
func (i *Indicator) active(now time.Time) bool {
	return i.ExpirationTime == nil || i.ExpirationTime.After(now)
}

// AddIndicator stores ind as is (an upsert on value and type), giving it an id and times when
// empty, and returns the stored indicator.
func (f *Fake) AddIndicator(ind Indicator) Indicator {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.upsertIndicatorLocked(ind)
}

func (f *Fake) upsertIndicatorLocked(ind Indicator) Indicator {
	ind = ind.clone()
	if ind.LastUpdateTime.IsZero() {
		ind.LastUpdateTime = f.now
	}
	for k := range f.indicators {
		old := &f.indicators[k]
		if old.IndicatorType == ind.IndicatorType && strings.EqualFold(old.IndicatorValue, ind.IndicatorValue) {
			ind.ID, ind.CreationTimeDateTimeUTC, ind.Application = old.ID, old.CreationTimeDateTimeUTC, old.Application
			ind.CreatedBy, ind.CreatedByDisplayName = old.CreatedBy, old.CreatedByDisplayName
			f.indicators[k] = ind
			return ind.clone()
		}
	}
	if ind.ID == "" {
		f.indicatorSeq++
		ind.ID = strconv.Itoa(f.indicatorSeq)
	}
	if ind.CreationTimeDateTimeUTC.IsZero() {
		ind.CreationTimeDateTimeUTC = f.now
	}
	f.indicators = append(f.indicators, ind)
	return ind.clone()
}

// Indicators returns copies of all stored indicators, expired ones included.
func (f *Fake) Indicators() []Indicator {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Indicator, len(f.indicators))
	for i := range f.indicators {
		out[i] = f.indicators[i].clone()
	}
	return out
}

// seesAll reports whether the caller may see indicators other apps created.
func (c *call) seesAll() bool { return hasAnyRole(c.roles, []string{"Ti.ReadWrite.All"}) }

// listIndicators serves GET /api/indicators: active indicators (only the app's own without
// Ti.ReadWrite.All).
func listIndicators(c *call) {
	now := c.f.Now()
	var out []Indicator
	for _, ind := range c.f.Indicators() {
		if ind.active(now) && (c.seesAll() || ind.CreatedBy == c.appID) {
			out = append(out, ind)
		}
	}
	listAll(c, "Indicators", indicatorFields(), out)
}

// deleteIndicator serves DELETE /api/indicators/{id}.
func deleteIndicator(c *call) {
	f := c.f
	f.mu.Lock()
	k := slices.IndexFunc(f.indicators, func(i Indicator) bool {
		return i.ID == c.seg[1] && (c.seesAll() || i.CreatedBy == c.appID)
	})
	if k >= 0 {
		f.indicators = slices.Delete(f.indicators, k, k+1)
	}
	f.mu.Unlock()
	if k < 0 {
		c.fail(notFound("Indicator %s was not found.", c.seg[1]))
		return
	}
	c.w.WriteHeader(http.StatusNoContent)
}

// checkIndicatorValue validates value for its type and returns the code of the error.
func checkIndicatorValue(typ, v string) *apiError {
	hashLen := map[string]int{"FileSha1": 40, "FileSha256": 64, "FileMd5": 32, "CertificateThumbprint": 40}
	switch {
	case hashLen[typ] > 0:
		if !isHex(v, hashLen[typ]) {
			return badRequest("InvalidHashValue", "%q is not a valid %s value.", v, typ)
		}
	case typ == "IpAddress":
		if _, err := netip.ParseAddr(v); err != nil {
			return badRequest("InvalidIpAddress", "%q is not a valid IP address (CIDR ranges are not supported).", v)
		}
	case typ == "DomainName":
		if !validDomain(v) {
			return badRequest("InvalidDomainName", "%q is not a valid domain name.", v)
		}
	case typ == "Url":
		u, err := url.Parse(v)
		if err != nil || strings.ContainsAny(v, " \t") || (u.Host == "" && !validDomain(strings.SplitN(v, "/", 2)[0])) {
			return badRequest("InvalidUrl", "%q is not a valid URL.", v)
		}
	}
	return nil
}

// validDomain reports whether s looks like a DNS name with at least two labels.
func validDomain(s string) bool {
	labels := strings.Split(strings.TrimSuffix(s, "."), ".")
	if len(labels) < 2 || len(s) > 253 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return false
		}
		for _, r := range l {
			if r != '-' && (r < '0' || r > '9') && (r|0x20 < 'a' || r|0x20 > 'z') {
				return false
			}
		}
	}
	return true
}
