package mdefake

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestIndicators(t *testing.T) {
	t.Parallel()
	f, api := setup(t, Options{})
	var page collection[Indicator]
	api.decode(http.MethodGet, "/api/indicators", "", 200, &page)
	if len(page.Value) != 3 {
		t.Fatalf("seeded indicators: %d", len(page.Value))
	}
	body := `{"indicatorValue":"evil.example.org","indicatorType":"DomainName","action":"Block","title":"t","description":"d",` +
		`"severity":"High","rbacGroupNames":["Servers"],"generateAlert":true,"externalID":"req-1","expirationTime":"2026-12-01T00:00:00Z"}`
	var created Indicator
	api.decode(http.MethodPost, "/api/indicators", body, 200, &created)
	if created.ID != "4" || created.CreatedBy != testClient || created.Severity != "High" || created.ExternalID != "req-1" ||
		len(created.RBACGroupNames) != 1 || created.ExpirationTime == nil || !created.GenerateAlert {
		t.Errorf("created %+v", created)
	}
	f.Advance(time.Minute)
	var updated Indicator
	api.decode(http.MethodPost, "/api/indicators",
		`{"indicatorValue":"EVIL.example.org","indicatorType":"DomainName","action":"Audit","title":"t2","description":"d2","generateAlert":true}`, 200, &updated)
	if updated.ID != created.ID || updated.Action != "Audit" || !updated.CreationTimeDateTimeUTC.Equal(created.CreationTimeDateTimeUTC) ||
		!updated.LastUpdateTime.Equal(f.Now()) {
		t.Errorf("upsert %+v", updated)
	}
	if n := len(f.Indicators()); n != 4 {
		t.Errorf("%d indicators after upsert, want 4", n)
	}
	api.decode(http.MethodGet, "/api/indicators?$filter="+url.QueryEscape("action eq 'Audit' and generateAlert eq true"), "", 200, &page)
	if len(page.Value) != 2 {
		t.Errorf("filtered indicators: %d", len(page.Value))
	}

	bad := []struct{ body, code string }{
		{`{"indicatorType":"IpAddress","action":"Block","title":"t","description":"d"}`, "MissingRequiredParameter"},
		{`{"indicatorValue":"1.2.3.4","indicatorType":"IpAddress","action":"Block","title":"t"}`, "MissingRequiredParameter"},
		{`{"indicatorValue":"1.2.3.4","indicatorType":"Ip","action":"Block","title":"t","description":"d"}`, "InvalidRequestBody"},
		{`{"indicatorValue":"1.2.3.4","indicatorType":"IpAddress","action":"Deny","title":"t","description":"d"}`, "InvalidRequestBody"},
		{`{"indicatorValue":"1.2.3.0/24","indicatorType":"IpAddress","action":"Block","title":"t","description":"d"}`, "InvalidIpAddress"},
		{`{"indicatorValue":"abc","indicatorType":"FileSha256","action":"Block","title":"t","description":"d"}`, "InvalidHashValue"},
		{`{"indicatorValue":"not a domain","indicatorType":"DomainName","action":"Block","title":"t","description":"d"}`, "InvalidDomainName"},
		{`{"indicatorValue":"1.2.3.4","indicatorType":"IpAddress","action":"Block","title":"t","description":"d","IndicatorValue":"x"}`, "InvalidRequestBody"},
		{`{"indicatorValue":"1.2.3.4","indicatorType":"IpAddress","action":"Block","title":"t","description":"d","expirationTime":"soon"}`, "InvalidRequestBody"},
	}
	for _, b := range bad {
		api.wantError(http.MethodPost, "/api/indicators", b.body, 400, b.code)
	}

	if status, _, _ := api.do(http.MethodDelete, "/api/indicators/"+created.ID, ""); status != http.StatusNoContent {
		t.Errorf("delete: %d", status)
	}
	api.wantError(http.MethodDelete, "/api/indicators/"+created.ID, "", 404, "ResourceNotFound")

	// Expired indicators are not listed.
	f.Advance(60 * 24 * time.Hour)
	api.decode(http.MethodGet, "/api/indicators", "", 200, &page)
	if len(page.Value) != 2 {
		t.Errorf("active indicators after expiry: %d", len(page.Value))
	}
}

func TestIndicatorsOwnOnly(t *testing.T) {
	t.Parallel()
	f, api := setup(t, Options{}, "Ti.ReadWrite")
	var page collection[Indicator]
	api.decode(http.MethodGet, "/api/indicators", "", 200, &page)
	if len(page.Value) != 0 {
		t.Errorf("Ti.ReadWrite sees %d indicators of other creators", len(page.Value))
	}
	api.wantError(http.MethodDelete, "/api/indicators/1", "", 404, "ResourceNotFound")
	api.decode(http.MethodPost, "/api/indicators",
		`{"indicatorValue":"https://evil.example.org/x","indicatorType":"Url","action":"Warn","title":"t","description":"d"}`, 200, nil)
	api.decode(http.MethodGet, "/api/indicators", "", 200, &page)
	if len(page.Value) != 1 || len(f.Indicators()) != 4 {
		t.Errorf("own indicators %d, stored %d", len(page.Value), len(f.Indicators()))
	}
}
