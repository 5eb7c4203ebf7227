package mdefake

import (
	"time"
)

// submitIndicator serves POST /api/indicators: validate, then upsert on value and type.
func submitIndicator(c *call) {
	obj, aerr := decodeObject(c.body, "indicatorValue", "indicatorType", "action", "title", "description",
		"expirationTime", "severity", "recommendedActions", "rbacGroupNames", "generateAlert", "application",
		"externalID", "educateUrl")
	if aerr != nil {
		c.fail(aerr)
		return
	}
	ind, aerr := indicatorFromBody(obj)
	if aerr != nil {
		c.fail(aerr)
		return
	}
	ind.CreatedBy, ind.CreatedByDisplayName, ind.LastUpdatedBy = c.appID, c.appID, c.appID
	ind.Source, ind.SourceType, ind.CreatedBySource = c.appID, "AadApp", "PublicApi"
	f := c.f
	f.mu.Lock()
	ind.LastUpdateTime = f.now
	ind.CreationTimeDateTimeUTC = f.now
	out := f.upsertIndicatorLocked(ind)
	f.mu.Unlock()
	c.ok(out)
}

// indicatorFromBody checks the required properties, the enums and the value's shape.
func indicatorFromBody(obj jsonObject) (Indicator, *apiError) {
	var ind Indicator
	var aerr *apiError
	for _, p := range []struct {
		key string
		dst *string
	}{{"indicatorValue", &ind.IndicatorValue}, {"indicatorType", &ind.IndicatorType}, {"action", &ind.Action}, {"title", &ind.Title}, {"description", &ind.Description}} {
		if *p.dst, aerr = obj.required(p.key); aerr != nil {
			return ind, aerr
		}
	}
	if _, _, aerr = obj.oneOf("indicatorType", "FileSha1", "FileSha256", "FileMd5", "CertificateThumbprint", "IpAddress", "DomainName", "Url"); aerr != nil {
		return ind, aerr
	}
	if _, _, aerr = obj.oneOf("action", "Allowed", "Audit", "Block", "BlockAndRemediate", "Warn", "Alert", "AlertAndBlock"); aerr != nil {
		return ind, aerr
	}
	if ind.Severity, _, aerr = obj.oneOf("severity", "Informational", "Low", "Medium", "High"); aerr != nil {
		return ind, aerr
	}
	if aerr = checkIndicatorValue(ind.IndicatorType, ind.IndicatorValue); aerr != nil {
		return ind, aerr
	}
	exp, hasExp, aerr := obj.str("expirationTime")
	if aerr != nil {
		return ind, aerr
	}
	if hasExp {
		t, err := time.Parse(time.RFC3339, exp)
		if err != nil {
			return ind, badRequest("InvalidRequestBody", "expirationTime %q is not a valid datetime.", exp)
		}
		t = t.UTC()
		ind.ExpirationTime = &t
	}
	for _, p := range []struct {
		key string
		dst *string
	}{{"recommendedActions", &ind.RecommendedActions}, {"application", &ind.Application}, {"externalID", &ind.ExternalID}, {"educateUrl", &ind.EducateURL}} {
		if *p.dst, _, aerr = obj.str(p.key); aerr != nil {
			return ind, aerr
		}
	}
	if ind.RBACGroupNames, aerr = obj.stringList("rbacGroupNames"); aerr != nil {
		return ind, aerr
	}
	ind.RBACGroupIDs = []string{}
	if ind.GenerateAlert, aerr = obj.boolean("generateAlert"); aerr != nil {
		return ind, aerr
	}
	return ind, nil
}
