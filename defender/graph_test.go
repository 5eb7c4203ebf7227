package defender_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/defender/defendertest"
	"github.com/mdebot/mdebot/defender/mdefake"
)

func TestGraphHuntingThroughRealCredential(t *testing.T) {
	t.Parallel()
	env := defendertest.New(t, defendertest.Options{Seed: true})
	res, err := env.Graph.Hunt(t.Context(), "DeviceProcessEvents | take 3")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Schema) == 0 || res.Schema[0].Name != "Timestamp" || len(res.Results) == 0 {
		t.Fatalf("result %+v: want the lower-case schema and results read", res)
	}
	var sawGraph bool
	for _, r := range env.Fake.Requests() {
		if strings.Contains(r.Path, "advancedqueries") {
			t.Fatalf("the Graph client called MDE's retiring hunting API: %s", r.Path)
		}
		if r.Path == "/v1.0/security/runHuntingQuery" && strings.Contains(string(r.Body), `"Query":"DeviceProcessEvents | take 3"`) {
			sawGraph = true
		}
	}
	if !sawGraph {
		t.Fatal("no POST /v1.0/security/runHuntingQuery with the query")
	}
}

func TestGraphRefusesAnMDETokenAndAMissingRole(t *testing.T) {
	t.Parallel()
	env := defendertest.New(t, defendertest.Options{Seed: true, GraphRoles: []string{}})
	_, err := env.Graph.Hunt(t.Context(), "DeviceInfo | take 1")
	var apiErr *defender.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 403 || apiErr.Code != "Forbidden" {
		t.Fatalf("without ThreatHunting.Read.All: %v, want 403 Forbidden", err)
	}
	// A Graph client that asks for the MDE scope gets a token Graph refuses.
	wrong, err := defender.NewGraph(env.Cred, defender.WithBaseURL(env.Fake.GraphURL()), defender.WithScope(env.Fake.Scope()),
		defender.WithTransport(env.Fake.HTTPClient()), defender.WithLimiter(defender.NewLimiter(defender.Unlimited())))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wrong.Hunt(t.Context(), "DeviceInfo"); !errors.Is(err, defender.ErrUnauthorized) {
		t.Fatalf("MDE-audience token on Graph: %v, want 401", err)
	}
}

func TestGraphHuntingQuota(t *testing.T) {
	t.Parallel()
	env := defendertest.New(t, defendertest.Options{Seed: true})
	env.Fake.SetHunting(func(string) ([]mdefake.HuntingColumn, []map[string]any, error) { return nil, nil, nil })
	for i := range 45 {
		if _, err := env.Graph.Hunt(t.Context(), "DeviceInfo"); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	_, err := env.Graph.Hunt(t.Context(), "DeviceInfo")
	var apiErr *defender.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 || apiErr.RetryAfter <= 0 {
		t.Fatalf("46th hunt in a minute: %v, want 429 with Retry-After", err)
	}
}
