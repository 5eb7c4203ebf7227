package main

import (
	"slices"
	"strings"
	"testing"
)

// Each cloud names its Graph host and scope together ("Microsoft Graph national cloud
// deployments", https://learn.microsoft.com/graph/deployments); MDEBOT_GRAPH_URL moves the host
// and never the scope.
func TestGraphHostAndScopePerCloud(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cloud, custom, url, scope string
	}{
		{"public", "", "https://graph.microsoft.com", "https://graph.microsoft.com/.default"},
		{"gcc", "", "https://graph.microsoft.com", "https://graph.microsoft.com/.default"},
		{"gcc-high", "", "https://graph.microsoft.us", "https://graph.microsoft.us/.default"},
		{"dod", "", "https://dod-graph.microsoft.us", "https://dod-graph.microsoft.us/.default"},
		{"gcc-high", "https://127.0.0.1:9443/", "https://127.0.0.1:9443", "https://graph.microsoft.us/.default"},
	} {
		env := minimalEnv()
		env["MDEBOT_CLOUD"] = tc.cloud
		if tc.custom != "" {
			env["MDEBOT_GRAPH_URL"] = tc.custom
		}
		cfg := mustLoad(t, env)
		if cfg.GraphURL() != tc.url || cfg.GraphScope() != tc.scope || !cfg.HuntOnGraph() {
			t.Errorf("%s %s: Graph %s scope %s (on Graph %v), want %s and %s", tc.cloud, tc.custom, cfg.GraphURL(), cfg.GraphScope(), cfg.HuntOnGraph(), tc.url, tc.scope)
		}
	}
}

// MDEBOT_HUNT_API=mde keeps hunt on MDE's own (retiring) hunting API for tenants that still have it.
func TestHuntOnMDEWhenAskedFor(t *testing.T) {
	t.Parallel()
	s := startStack(t, map[string]string{"MDEBOT_HUNT_API": "mde"})
	before := len(s.mde.Fake.Requests())
	body := s.ask(t, "U0RESP", "hunt DeviceProcessEvents | take 5")
	var made []string
	for _, r := range s.mde.Fake.Requests()[before:] {
		made = append(made, r.Path)
	}
	if !slices.Contains(made, "/api/advancedqueries/run") || slices.Contains(made, "/v1.0/security/runHuntingQuery") {
		t.Fatalf("MDEBOT_HUNT_API=mde made calls %v", made)
	}
	if !strings.Contains(strings.ToLower(body), "advanced hunting") {
		t.Errorf("reply %q", abbreviate(body))
	}
}
