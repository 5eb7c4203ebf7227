package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadConfigClouds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                          string
		env                           map[string]string
		authority, api, scope, portal string
		noDiscovery                   bool
	}{
		{"public", nil, "https://login.microsoftonline.com/", "https://api.security.microsoft.com",
			"https://api.securitycenter.microsoft.com/.default", "https://security.microsoft.com", false},
		// GCC signs in at the public authority but calls (and is scoped to) the .us API.
		{"gcc", map[string]string{"MDEBOT_CLOUD": "gcc"}, "https://login.microsoftonline.com/",
			"https://api-gcc.securitycenter.microsoft.us", "https://api-gcc.securitycenter.microsoft.us/.default",
			"https://security.microsoft.com", false},
		{"gcc-high", map[string]string{"MDEBOT_CLOUD": "gcc-high"}, "https://login.microsoftonline.us/",
			"https://api-gov.securitycenter.microsoft.us", "https://api-gov.securitycenter.microsoft.us/.default",
			"https://security.microsoft.us", false},
		{"dod", map[string]string{"MDEBOT_CLOUD": "DoD"}, "https://login.microsoftonline.us/",
			"https://api-gov.securitycenter.microsoft.us", "https://api-gov.securitycenter.microsoft.us/.default",
			"https://security.apps.mil", false},
		// The scope stays with the cloud when the API host is a regional or custom one.
		{"regional URL keeps the cloud scope", map[string]string{"MDEBOT_DEFENDER_URL": "https://eu.api.security.microsoft.com"},
			"https://login.microsoftonline.com/", "https://eu.api.security.microsoft.com",
			"https://api.securitycenter.microsoft.com/.default", "https://security.microsoft.com", false},
		{"custom gov URL keeps the cloud scope", map[string]string{"MDEBOT_CLOUD": "gcc", "MDEBOT_DEFENDER_URL": "https://127.0.0.1:9443"},
			"https://login.microsoftonline.com/", "https://127.0.0.1:9443",
			"https://api-gcc.securitycenter.microsoft.us/.default", "https://security.microsoft.com", false},
		{"custom scope", map[string]string{"MDEBOT_DEFENDER_SCOPE": "https://securitycenter.onmicrosoft.com/windowsatpservice/.default"},
			"https://login.microsoftonline.com/", "https://api.security.microsoft.com",
			"https://securitycenter.onmicrosoft.com/windowsatpservice/.default", "https://security.microsoft.com", false},
		// A private (test) authority turns instance discovery off.
		{"private authority", map[string]string{"AZURE_AUTHORITY_HOST": "https://127.0.0.1:8443"},
			"https://127.0.0.1:8443/", "https://api.security.microsoft.com",
			"https://api.securitycenter.microsoft.com/.default", "https://security.microsoft.com", true},
		{"private authority with a path", map[string]string{"AZURE_AUTHORITY_HOST": "https://entra.example.test/base/"},
			"https://entra.example.test/base/", "https://api.security.microsoft.com",
			"https://api.securitycenter.microsoft.com/.default", "https://security.microsoft.com", true},
		{"another Microsoft authority", map[string]string{"AZURE_AUTHORITY_HOST": "https://login.microsoft.com/"},
			"https://login.microsoft.com/", "https://api.security.microsoft.com",
			"https://api.securitycenter.microsoft.com/.default", "https://security.microsoft.com", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := mustLoad(t, with(tt.env))
			got := []any{cfg.AuthorityHost(), cfg.DefenderURL(), cfg.Scope(), cfg.Cloud.PortalURL, cfg.DisableInstanceDiscovery()}
			want := []any{tt.authority, tt.api, tt.scope, tt.portal, tt.noDiscovery}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("authority, API, scope, portal, no discovery (-want +got):\n%s", diff)
			}
		})
	}
}
