package defender

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Feature is what one group of verbs needs from the Entra app: any one of AnyOf (the first is
// the one to grant) on API ("Defender", the WindowsDefenderATP application, or "Microsoft
// Graph"). defender/README.md has the table with the Microsoft Learn page of each endpoint.
type Feature struct {
	Name  string
	API   string
	AnyOf []string
	Verbs []string
}

// The APIs a permission belongs to.
const (
	APIDefender = "Defender"
	APIGraph    = "Microsoft Graph"
)

// Features lists what each verb needs, with hunting on Graph or on MDE. The permissions are
// the application permissions the endpoints' pages name (see defender/README.md); where pages
// disagree (List machines names Machine.ReadWrite.All only on the live page and both on older
// copies), the first permission listed satisfies every page.
func Features(huntOnGraph bool) []Feature {
	hunt := Feature{Name: "hunting", API: APIGraph, AnyOf: []string{"ThreatHunting.Read.All"}, Verbs: []string{"hunt"}}
	if !huntOnGraph {
		hunt = Feature{Name: "hunting", API: APIDefender, AnyOf: []string{"AdvancedQuery.Read.All"}, Verbs: []string{"hunt"}}
	}
	return []Feature{
		{"devices", APIDefender, []string{"Machine.ReadWrite.All", "Machine.Read.All"}, []string{"machine", "machines", "actions", "action"}},
		{"alerts", APIDefender, []string{"Alert.ReadWrite.All", "Alert.Read.All"}, []string{"alerts", "alert"}},
		// Update alert names "Alerts.ReadWrite.All", a typo for Alert.ReadWrite.All.
		{"alert updates", APIDefender, []string{"Alert.ReadWrite.All"}, []string{"alert assign", "alert resolve", "alert comment"}},
		// Add or Remove Tag API: Machine.ReadWrite.All, the only application permission it names.
		{"device tags", APIDefender, []string{"Machine.ReadWrite.All"}, []string{"tag", "untag"}},
		{"isolation", APIDefender, []string{"Machine.Isolate"}, []string{"isolate", "release"}},
		{"antivirus scan", APIDefender, []string{"Machine.Scan"}, []string{"scan"}},
		{"app restriction", APIDefender, []string{"Machine.RestrictExecution"}, []string{"restrict", "unrestrict"}},
		{"investigation package", APIDefender, []string{"Machine.CollectForensics"}, []string{"collect"}},
		{"stop and quarantine", APIDefender, []string{"Machine.StopAndQuarantine"}, []string{"quarantine"}},
		{"indicators", APIDefender, []string{"Ti.ReadWrite.All", "Ti.ReadWrite"}, []string{"indicators", "block", "unblock"}},
		{"file look-ups", APIDefender, []string{"File.Read.All"}, []string{"file"}},
		{"IP look-ups", APIDefender, []string{"Ip.Read.All"}, []string{"ip"}},
		{"domain look-ups", APIDefender, []string{"URL.Read.All"}, []string{"domain"}},
		{"user look-ups", APIDefender, []string{"User.Read.All"}, []string{"user"}},
		hunt,
	}
}

// RolesOf reads the roles claim of an access token. It decodes the payload only and checks no
// signature: the result is information for an operator, never a basis of trust. ("To check a
// token, decode it: the app permissions show up in the roles claim", Create an app to access
// Microsoft Defender for Endpoint without a user,
// https://learn.microsoft.com/defender-endpoint/api/exposed-apis-create-app-webapp.)
func RolesOf(token string) ([]string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errors.New("defender: the access token is not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, errors.New("defender: the access token's payload is not base64url")
	}
	var claims struct {
		Roles []string `json:"roles"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, errors.New("defender: the access token's payload is not JSON")
	}
	return claims.Roles, nil
}

// FeatureStatus is a feature with the permission the app has for it ("" when it has none).
type FeatureStatus struct {
	Feature
	Have string
}

// Present reports whether the app has a permission the feature accepts.
func (s FeatureStatus) Present() bool { return s.Have != "" }

// Line is the feature in one line, e.g. "isolate, release: need Machine.Isolate (Defender), missing".
func (s FeatureStatus) Line() string {
	l := strings.Join(s.Verbs, ", ") + ": need " + s.AnyOf[0] + " (" + s.API + ")"
	if s.Present() && s.Have != s.AnyOf[0] {
		return l + ", present as " + s.Have
	}
	if s.Present() {
		return l + ", present"
	}
	return l + ", missing"
}

// Permissions is what the app's tokens grant, feature by feature.
type Permissions struct {
	Features []FeatureStatus
}

// CheckPermissions matches the roles of the Defender and Graph tokens against the features.
func CheckPermissions(features []Feature, defenderRoles, graphRoles []string) Permissions {
	var p Permissions
	for _, f := range features {
		roles := defenderRoles
		if f.API == APIGraph {
			roles = graphRoles
		}
		st := FeatureStatus{Feature: f}
		for _, want := range f.AnyOf {
			if slices.ContainsFunc(roles, func(r string) bool { return strings.EqualFold(r, want) }) {
				st.Have = want
				break
			}
		}
		p.Features = append(p.Features, st)
	}
	return p
}

// Missing returns the features the app lacks.
func (p Permissions) Missing() []FeatureStatus {
	var out []FeatureStatus
	for _, f := range p.Features {
		if !f.Present() {
			out = append(out, f)
		}
	}
	return out
}

// Disabled returns the feature that turns verb off, if any.
func (p Permissions) Disabled(verb string) (FeatureStatus, bool) {
	for _, f := range p.Features {
		if !f.Present() && slices.Contains(f.Verbs, verb) {
			return f, true
		}
	}
	return FeatureStatus{}, false
}

// PermissionsOf gets the app's tokens for Defender (and for Graph when graphScope is set) from
// cred, which caches them, and reads what they grant against features.
func PermissionsOf(ctx context.Context, cred azcore.TokenCredential, defenderScope, graphScope string, features []Feature) (Permissions, error) {
	roles := func(scope, api string) ([]string, error) {
		tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{scope}})
		if err != nil {
			return nil, newSignInError(err, api)
		}
		return RolesOf(tok.Token)
	}
	d, err := roles(defenderScope, APIDefender)
	if err != nil {
		return Permissions{}, err
	}
	var g []string
	if graphScope != "" {
		if g, err = roles(graphScope, APIGraph); err != nil {
			return Permissions{}, err
		}
	}
	return CheckPermissions(features, d, g), nil
}
