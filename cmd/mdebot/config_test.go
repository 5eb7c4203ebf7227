package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sethvargo/go-envconfig"
)

const (
	testTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	testClient = "0b7f1c52-9c3e-4a8e-9d4f-1a2b3c4d5e6f"
)

// minimalEnv is the smallest valid configuration.
func minimalEnv() map[string]string {
	return map[string]string{
		"SLACK_APP_TOKEN":     "xapp-1-A0123-456-abcdef",
		"SLACK_BOT_TOKEN":     "xoxb-123-456-abcdef",
		"AZURE_TENANT_ID":     testTenant,
		"AZURE_CLIENT_ID":     testClient,
		"AZURE_CLIENT_SECRET": "client-secret-value",
	}
}

// with returns minimalEnv changed by set, where the value "<unset>" removes the variable.
func with(set map[string]string) map[string]string {
	env := minimalEnv()
	for k, v := range set {
		if v == "<unset>" {
			delete(env, k)
			continue
		}
		env[k] = v
	}
	return env
}

func load(t *testing.T, env map[string]string) (*Config, error) {
	t.Helper()
	return LoadConfig(t.Context(), envconfig.MapLookuper(env))
}

func mustLoad(t *testing.T, env map[string]string) *Config {
	t.Helper()
	cfg, err := load(t, env)
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	return cfg
}

// problems returns the problems of a failed LoadConfig.
func problems(t *testing.T, env map[string]string) []Problem {
	t.Helper()
	cfg, err := load(t, env)
	if err == nil {
		t.Fatalf("LoadConfig succeeded, want an error; config:\n%s", cfg)
	}
	ce, ok := errors.AsType[*ConfigError](err)
	if !ok {
		t.Fatalf("LoadConfig error is %T (%v), want *ConfigError", err, err)
	}
	return ce.Problems
}

// testFile writes a file in a fresh temporary directory and returns its path.
func testFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigTagsCoverDesign(t *testing.T) {
	t.Parallel()
	want := []string{
		"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "MDEBOT_SLACK_API_URL", "AZURE_TENANT_ID", "AZURE_CLIENT_ID",
		"AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_CLIENT_CERTIFICATE_PASSWORD",
		"AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST", "MDEBOT_CLOUD", "MDEBOT_DEFENDER_URL",
		"MDEBOT_DEFENDER_SCOPE", "MDEBOT_GRAPH_URL", "MDEBOT_HUNT_API", "REDIS_URL", "MDEBOT_REDIS_PREFIX", "MDEBOT_REDIS_INSECURE", "MDEBOT_ALERT_CHANNEL",
		"MDEBOT_ALERT_ROUTES", "MDEBOT_ALERT_MIN_SEVERITY", "MDEBOT_ALERT_POLL_INTERVAL",
		"MDEBOT_ALERT_LOOKBACK", "MDEBOT_APPROVAL_CHANNEL", "MDEBOT_RESPONDERS", "MDEBOT_APPROVERS",
		"MDEBOT_VIEWERS", "MDEBOT_APPROVAL_TTL", "MDEBOT_APPROVALS_REQUIRED", "MDEBOT_APPROVAL_POLICY",
		"MDEBOT_PROTECTED", "MDEBOT_AUDIT_CHANNEL",
		"MDEBOT_HTTP_ADDR", "MDEBOT_LOG_LEVEL", "MDEBOT_LOG_FORMAT",
	}
	var tags []string
	for f := range reflect.TypeFor[Config]().Fields() {
		if tag, ok := f.Tag.Lookup("env"); ok {
			tags = append(tags, strings.TrimSpace(strings.Split(tag, ",")[0]))
		}
	}
	if diff := cmp.Diff(want, tags); diff != "" {
		t.Errorf("env tags (-DESIGN.md +Config):\n%s", diff)
	}
	// Redacted shows every variable, in the same order.
	var shown []string
	for _, kv := range mustLoad(t, minimalEnv()).settings() {
		shown = append(shown, kv[0])
	}
	if diff := cmp.Diff(want, shown); diff != "" {
		t.Errorf("settings (-DESIGN.md +Redacted):\n%s", diff)
	}
}

func TestLoadConfigMinimal(t *testing.T) {
	t.Parallel()
	cfg := mustLoad(t, minimalEnv())
	want := `SLACK_APP_TOKEN=set
SLACK_BOT_TOKEN=set
MDEBOT_SLACK_API_URL=https://slack.com/api/
AZURE_TENANT_ID=72f988bf-86f1-41af-91ab-2d7cd011db47
AZURE_CLIENT_ID=0b7f1c52-9c3e-4a8e-9d4f-1a2b3c4d5e6f
AZURE_CLIENT_SECRET=set
AZURE_CLIENT_CERTIFICATE_PATH=unset
AZURE_CLIENT_CERTIFICATE_PASSWORD=unset
AZURE_FEDERATED_TOKEN_FILE=unset
AZURE_AUTHORITY_HOST=https://login.microsoftonline.com/ (from MDEBOT_CLOUD)
MDEBOT_CLOUD=public
MDEBOT_DEFENDER_URL=https://api.security.microsoft.com (from MDEBOT_CLOUD)
MDEBOT_DEFENDER_SCOPE=https://api.securitycenter.microsoft.com/.default (from MDEBOT_CLOUD)
MDEBOT_GRAPH_URL=https://graph.microsoft.com (from MDEBOT_CLOUD)
MDEBOT_HUNT_API=graph
REDIS_URL=unset (embedded in-process store)
MDEBOT_REDIS_PREFIX=mdebot
MDEBOT_REDIS_INSECURE=false
MDEBOT_ALERT_CHANNEL=unset (notifications off)
MDEBOT_ALERT_ROUTES=unset
MDEBOT_ALERT_MIN_SEVERITY=Low
MDEBOT_ALERT_POLL_INTERVAL=15s
MDEBOT_ALERT_LOOKBACK=1h
MDEBOT_APPROVAL_CHANNEL=unset
MDEBOT_RESPONDERS=unset (nobody)
MDEBOT_APPROVERS=unset (nobody)
MDEBOT_VIEWERS=unset (full members of the workspace: no guests, nobody from another organisation)
MDEBOT_APPROVAL_TTL=30m
MDEBOT_APPROVALS_REQUIRED=1
MDEBOT_APPROVAL_POLICY=unset (scan, alert updates and mutes of at most 24 h without open High alerts need no approval, the rest MDEBOT_APPROVALS_REQUIRED)
MDEBOT_PROTECTED=unset (no protected devices)
MDEBOT_AUDIT_CHANNEL=unset (Redis stream only)
MDEBOT_HTTP_ADDR=:8080
MDEBOT_LOG_LEVEL=info
MDEBOT_LOG_FORMAT=json
# credential: secret
# instance discovery: on
`
	if diff := cmp.Diff(want, cfg.Redacted()); diff != "" {
		t.Errorf("Redacted (-want +got):\n%s", diff)
	}
	if cfg.AlertPollInterval != 15*time.Second || cfg.AlertLookback != time.Hour ||
		cfg.ApprovalTTL != 30*time.Minute || cfg.ApprovalsRequired != 1 || cfg.ActionsEnabled() {
		t.Errorf("typed defaults: poll %v, lookback %v, ttl %v, approvals %d, actions %t",
			cfg.AlertPollInterval, cfg.AlertLookback, cfg.ApprovalTTL, cfg.ApprovalsRequired, cfg.ActionsEnabled())
	}
}

func TestLoadConfigNormalises(t *testing.T) {
	t.Parallel()
	cfg := mustLoad(t, with(map[string]string{
		"SLACK_BOT_TOKEN":            "  xoxb-123-456-abcdef \n",
		"MDEBOT_SLACK_API_URL":       "http://127.0.0.1:4390/api",
		"MDEBOT_CLOUD":               " GCC-High ",
		"AZURE_AUTHORITY_HOST":       "https://login.microsoftonline.us",
		"MDEBOT_DEFENDER_URL":        "https://127.0.0.1:8443/mde/",
		"MDEBOT_ALERT_MIN_SEVERITY":  "medium",
		"MDEBOT_ALERT_POLL_INTERVAL": "1m30s",
		"MDEBOT_ALERT_LOOKBACK":      "0s",
		"MDEBOT_APPROVAL_CHANNEL":    "C0123ABCD",
		"MDEBOT_RESPONDERS":          " U01, S0AB ,,U01, W9 ,",
		"MDEBOT_APPROVERS":           "U02,U03",
		"MDEBOT_APPROVALS_REQUIRED":  "2",
		"MDEBOT_LOG_LEVEL":           "WARN",
		"MDEBOT_LOG_FORMAT":          "Text",
		"REDIS_URL":                  "rediss+sentinel://default:pw@redis.internal:26380,redis-2/mdebot/2?sentinel_password=spw",
	}))
	type view struct {
		BotToken, SlackAPIURL, Cloud, Authority, DefenderURL, Scope, Severity, Level, Format string
		Poll, Lookback                                                                       time.Duration
		Responders                                                                           []string
		Approvals                                                                            int
		NoDiscovery                                                                          bool
	}
	got := view{cfg.SlackBotToken, cfg.SlackAPIURL, cfg.CloudName, cfg.AuthorityHost(), cfg.DefenderURL(),
		cfg.Scope(), cfg.AlertMinSeverity, cfg.LogLevel, cfg.LogFormat, cfg.AlertPollInterval,
		cfg.AlertLookback, cfg.Responders, cfg.ApprovalsRequired, cfg.DisableInstanceDiscovery()}
	want := view{"xoxb-123-456-abcdef", "http://127.0.0.1:4390/api/", "gcc-high", "https://login.microsoftonline.us/",
		"https://127.0.0.1:8443/mde", "https://api-gov.securitycenter.microsoft.us/.default", "Medium", "warn",
		"text", 90 * time.Second, 0, []string{"U01", "S0AB", "W9"}, 2, false}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("normalised config (-want +got):\n%s", diff)
	}
	if got := cfg.SlogLevel().String(); got != "WARN" {
		t.Errorf("SlogLevel = %s, want WARN", got)
	}
	if r := cfg.Redacted(); !strings.Contains(r, "REDIS_URL=rediss+sentinel://xxxxx@redis.internal:26380,redis-2/mdebot/2?sentinel_password=xxxxx\n") {
		t.Errorf("Redacted REDIS_URL line not as expected:\n%s", r)
	}
}

func TestLoadConfigBlankIsMissing(t *testing.T) {
	t.Parallel()
	for _, blank := range []string{"", "   ", "\t\n"} {
		got := problems(t, with(map[string]string{
			"SLACK_APP_TOKEN": blank, "AZURE_TENANT_ID": blank, "AZURE_CLIENT_SECRET": blank,
			"MDEBOT_CLOUD": blank, "MDEBOT_ALERT_POLL_INTERVAL": blank, "MDEBOT_APPROVALS_REQUIRED": blank,
			"MDEBOT_HTTP_ADDR": blank, "MDEBOT_SLACK_API_URL": blank,
		}))
		// Only the required ones are missing; the blank defaulted ones take their default, and a
		// blank secret means managed identity.
		want := []Problem{
			{"AZURE_TENANT_ID", "is required: the directory (tenant) ID of the Entra application"},
			{"SLACK_APP_TOKEN", "is required: a Slack token starting with xapp-"},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("blank %q: problems (-want +got):\n%s", blank, diff)
		}
	}
	cfg := mustLoad(t, with(map[string]string{"AZURE_CLIENT_SECRET": " ", "MDEBOT_LOG_LEVEL": ""}))
	if cfg.CredentialKind() != CredentialManaged || cfg.LogLevel != "info" {
		t.Errorf("blank secret and log level: kind %s, level %s", cfg.CredentialKind(), cfg.LogLevel)
	}
}

func TestLoadConfigTokens(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		app, bot string
		want     []Problem
	}{
		{"swapped", "xoxb-1-2-3", "xapp-1-A-2-3", []Problem{
			{"SLACK_APP_TOKEN", "holds a xoxb- token, not a xapp- one: SLACK_APP_TOKEN and SLACK_BOT_TOKEN look swapped"},
			{"SLACK_BOT_TOKEN", "holds a xapp- token, not a xoxb- one: SLACK_APP_TOKEN and SLACK_BOT_TOKEN look swapped"},
		}},
		{"both bot tokens", "xoxb-1-2-3", "xoxb-1-2-3", []Problem{
			{"SLACK_APP_TOKEN", "holds a xoxb- token, not a xapp- one: SLACK_APP_TOKEN and SLACK_BOT_TOKEN look swapped"},
		}},
		{"user token as bot", "xapp-1-A-2", "xoxp-1-2-3", []Problem{
			{"SLACK_BOT_TOKEN", "must be a Slack token starting with xoxb-"},
		}},
		{"prefix only", "xapp-", "xoxb-", []Problem{
			{"SLACK_APP_TOKEN", "must be a Slack token starting with xapp-"},
			{"SLACK_BOT_TOKEN", "must be a Slack token starting with xoxb-"},
		}},
		{"missing", "<unset>", "<unset>", []Problem{
			{"SLACK_APP_TOKEN", "is required: a Slack token starting with xapp-"},
			{"SLACK_BOT_TOKEN", "is required: a Slack token starting with xoxb-"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := problems(t, with(map[string]string{"SLACK_APP_TOKEN": tt.app, "SLACK_BOT_TOKEN": tt.bot}))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

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

func TestCredentialKind(t *testing.T) {
	t.Parallel()
	cert := testFile(t, "cert.pem", "not parsed by LoadConfig")
	token := testFile(t, "token", "eyJhbGciOi.e30.sig")
	tests := []struct {
		name string
		env  map[string]string
		want CredentialKind
	}{
		{"secret", nil, CredentialSecret},
		{"certificate", map[string]string{"AZURE_CLIENT_SECRET": "<unset>", "AZURE_CLIENT_CERTIFICATE_PATH": cert}, CredentialCertificate},
		{"certificate with password", map[string]string{"AZURE_CLIENT_SECRET": "<unset>",
			"AZURE_CLIENT_CERTIFICATE_PATH": cert, "AZURE_CLIENT_CERTIFICATE_PASSWORD": "pw"}, CredentialCertificate},
		{"workload", map[string]string{"AZURE_CLIENT_SECRET": "<unset>", "AZURE_FEDERATED_TOKEN_FILE": token}, CredentialWorkload},
		{"managed", map[string]string{"AZURE_CLIENT_SECRET": "<unset>"}, CredentialManaged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := mustLoad(t, with(tt.env)).CredentialKind(); got != tt.want {
				t.Errorf("CredentialKind = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestLoadConfigManyProblems(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"SLACK_BOT_TOKEN":            "xapp-1-A-2",
		"AZURE_TENANT_ID":            "common",
		"AZURE_CLIENT_SECRET":        "s",
		"AZURE_FEDERATED_TOKEN_FILE": filepath.Join(t.TempDir(), "absent"),
		"MDEBOT_CLOUD":               "china",
		"MDEBOT_ALERT_POLL_INTERVAL": "1s",
		"MDEBOT_RESPONDERS":          "U1,#soc",
		"MDEBOT_LOG_FORMAT":          "xml",
	}
	got := problems(t, env)
	var vars []string
	for _, p := range got {
		vars = append(vars, p.Var)
	}
	want := []string{
		"AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_TENANT_ID",
		"MDEBOT_ALERT_POLL_INTERVAL", "MDEBOT_APPROVAL_CHANNEL", "MDEBOT_APPROVERS", "MDEBOT_CLOUD", "MDEBOT_LOG_FORMAT",
		"MDEBOT_RESPONDERS", "SLACK_APP_TOKEN", "SLACK_BOT_TOKEN",
	}
	if diff := cmp.Diff(want, vars); diff != "" {
		t.Errorf("problem variables, sorted (-want +got):\n%s", diff)
	}
	_, err := load(t, env)
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(want)+1 || lines[0] != "invalid configuration:" {
		t.Fatalf("Error() should be a header and one line per problem, got:\n%s", err)
	}
	for i, v := range want {
		if !strings.HasPrefix(lines[i+1], "  "+v+": ") {
			t.Errorf("line %d = %q, want it to start with %q", i+1, lines[i+1], v)
		}
	}
}

func TestLoadConfigLookuperNil(t *testing.T) {
	t.Parallel()
	if _, err := LoadConfig(t.Context(), nil); err == nil {
		t.Error("LoadConfig(nil lookuper) succeeded")
	}
}

// clone returns a copy of env with more variables set.
func clone(env map[string]string, more map[string]string) map[string]string {
	out := maps.Clone(env)
	maps.Copy(out, more)
	return out
}

func TestProblemVarsSorted(t *testing.T) {
	t.Parallel()
	got := problems(t, map[string]string{})
	if !slices.IsSortedFunc(got, func(a, b Problem) int { return strings.Compare(a.Var, b.Var) }) {
		t.Errorf("problems not sorted by variable: %v", got)
	}
}

func TestLoadConfigEachProblem(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	empty := testFile(t, "empty", "")
	file := testFile(t, "cert.pem", "x")
	absent := filepath.Join(dir, "absent")
	noSecret := func(m map[string]string) map[string]string {
		return clone(map[string]string{"AZURE_CLIENT_SECRET": "<unset>"}, m)
	}
	tests := []struct {
		name string
		env  map[string]string
		want Problem // Message is a substring
	}{
		{"bot token missing", map[string]string{"SLACK_BOT_TOKEN": "<unset>"}, Problem{"SLACK_BOT_TOKEN", "is required"}},
		{"slack url scheme", map[string]string{"MDEBOT_SLACK_API_URL": "ftp://slack.com/api/"}, Problem{"MDEBOT_SLACK_API_URL", "starting with http:// or https://"}},
		{"slack url no host", map[string]string{"MDEBOT_SLACK_API_URL": "https:///api/"}, Problem{"MDEBOT_SLACK_API_URL", "with a host"}},
		{"slack url bad", map[string]string{"MDEBOT_SLACK_API_URL": "http://[::1"}, Problem{"MDEBOT_SLACK_API_URL", "not a valid URL"}},
		{"slack url credentials", map[string]string{"MDEBOT_SLACK_API_URL": "https://u:p@slack.com/api/"}, Problem{"MDEBOT_SLACK_API_URL", "user name or password"}},
		{"slack url query", map[string]string{"MDEBOT_SLACK_API_URL": "https://slack.com/api/?x=1"}, Problem{"MDEBOT_SLACK_API_URL", "query"}},
		{"slack url plain http", map[string]string{"MDEBOT_SLACK_API_URL": "http://slack.example.com/api/"}, Problem{"MDEBOT_SLACK_API_URL", "must be an https:// URL"}},
		{"tenant missing", map[string]string{"AZURE_TENANT_ID": "<unset>"}, Problem{"AZURE_TENANT_ID", "is required"}},
		{"tenant common", map[string]string{"AZURE_TENANT_ID": "common"}, Problem{"AZURE_TENANT_ID", "GUID, or a domain name"}},
		{"tenant bad domain", map[string]string{"AZURE_TENANT_ID": "-contoso.com"}, Problem{"AZURE_TENANT_ID", "GUID, or a domain name"}},
		{"tenant IP", map[string]string{"AZURE_TENANT_ID": "10.0.0.1"}, Problem{"AZURE_TENANT_ID", "GUID, or a domain name"}},
		{"client missing", map[string]string{"AZURE_CLIENT_ID": "<unset>"}, Problem{"AZURE_CLIENT_ID", "is required"}},
		{"client not GUID", map[string]string{"AZURE_CLIENT_ID": "mdebot"}, Problem{"AZURE_CLIENT_ID", "a GUID"}},
		{"client GUID in braces", map[string]string{"AZURE_CLIENT_ID": "{" + testClient[1:35] + "}"}, Problem{"AZURE_CLIENT_ID", "a GUID"}},
		{"secret and certificate", map[string]string{"AZURE_CLIENT_CERTIFICATE_PATH": file}, Problem{"AZURE_CLIENT_CERTIFICATE_PATH",
			"only one of AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH and AZURE_FEDERATED_TOKEN_FILE may be set, but AZURE_CLIENT_CERTIFICATE_PATH and AZURE_CLIENT_SECRET are set"}},
		{"all three", map[string]string{"AZURE_CLIENT_CERTIFICATE_PATH": file, "AZURE_FEDERATED_TOKEN_FILE": file}, Problem{"AZURE_CLIENT_CERTIFICATE_PATH",
			"AZURE_CLIENT_CERTIFICATE_PATH, AZURE_CLIENT_SECRET and AZURE_FEDERATED_TOKEN_FILE are set"}},
		{"secret and token file", map[string]string{"AZURE_FEDERATED_TOKEN_FILE": file}, Problem{"AZURE_CLIENT_SECRET", "AZURE_CLIENT_SECRET and AZURE_FEDERATED_TOKEN_FILE are set"}},
		{"password without path", map[string]string{"AZURE_CLIENT_CERTIFICATE_PASSWORD": "pw"}, Problem{"AZURE_CLIENT_CERTIFICATE_PASSWORD", "without AZURE_CLIENT_CERTIFICATE_PATH"}},
		{"certificate absent", noSecret(map[string]string{"AZURE_CLIENT_CERTIFICATE_PATH": absent}), Problem{"AZURE_CLIENT_CERTIFICATE_PATH", "does not exist"}},
		{"certificate directory", noSecret(map[string]string{"AZURE_CLIENT_CERTIFICATE_PATH": dir}), Problem{"AZURE_CLIENT_CERTIFICATE_PATH", "a directory"}},
		{"certificate empty", noSecret(map[string]string{"AZURE_CLIENT_CERTIFICATE_PATH": empty}), Problem{"AZURE_CLIENT_CERTIFICATE_PATH", "empty file"}},
		{"token file absent", noSecret(map[string]string{"AZURE_FEDERATED_TOKEN_FILE": absent}), Problem{"AZURE_FEDERATED_TOKEN_FILE", "does not exist"}},
		{"token file directory", noSecret(map[string]string{"AZURE_FEDERATED_TOKEN_FILE": dir}), Problem{"AZURE_FEDERATED_TOKEN_FILE", "a directory"}},
		{"authority http", map[string]string{"AZURE_AUTHORITY_HOST": "http://127.0.0.1:8080/"}, Problem{"AZURE_AUTHORITY_HOST", "starting with https://"}},
		{"cloud unknown", map[string]string{"MDEBOT_CLOUD": "china"}, Problem{"MDEBOT_CLOUD", "must be one of public, gcc, gcc-high, dod"}},
		{"defender url http", map[string]string{"MDEBOT_DEFENDER_URL": "http://api.security.microsoft.com"}, Problem{"MDEBOT_DEFENDER_URL", "starting with https://"}},
		{"graph url http", map[string]string{"MDEBOT_GRAPH_URL": "http://graph.microsoft.com"}, Problem{"MDEBOT_GRAPH_URL", "starting with https://"}},
		{"graph url with version", map[string]string{"MDEBOT_GRAPH_URL": "https://graph.microsoft.com/v1.0"}, Problem{"MDEBOT_GRAPH_URL", "host root"}},
		{"hunt api unknown", map[string]string{"MDEBOT_HUNT_API": "xdr"}, Problem{"MDEBOT_HUNT_API", "graph, mde"}},
		{"scope without .default", map[string]string{"MDEBOT_DEFENDER_SCOPE": "https://api.securitycenter.microsoft.com"}, Problem{"MDEBOT_DEFENDER_SCOPE", "ending in /.default"}},
		{"two scopes", map[string]string{"MDEBOT_DEFENDER_SCOPE": "openid https://api.securitycenter.microsoft.com/.default"}, Problem{"MDEBOT_DEFENDER_SCOPE", "one scope"}},
		{"redis scheme", map[string]string{"REDIS_URL": "http://redis:6379"}, Problem{"REDIS_URL", "unsupported scheme (want redis, rediss, redis+sentinel or rediss+sentinel)"}},
		{"redis no host", map[string]string{"REDIS_URL": "redis:///0"}, Problem{"REDIS_URL", "empty host"}},
		{"redis bad port", map[string]string{"REDIS_URL": "redis://redis:port"}, Problem{"REDIS_URL", "malformed"}},
		{"redis sentinel without master", map[string]string{"REDIS_URL": "redis+sentinel://s1,s2"}, Problem{"REDIS_URL", "needs the path /mastername"}},
		{"redis cluster bad host", map[string]string{"REDIS_URL": "redis://a,b:99999"}, Problem{"REDIS_URL", "host 2 of 2 needs a name and a port"}},
		{"redis unknown option", map[string]string{"REDIS_URL": "redis://cache?master_name=m"}, Problem{"REDIS_URL", "unexpected option"}},
		{"redis prefix", map[string]string{"MDEBOT_REDIS_PREFIX": "{mdebot}"}, Problem{"MDEBOT_REDIS_PREFIX", "letters, digits"}},
		{"alert channel name", map[string]string{"MDEBOT_ALERT_CHANNEL": "#soc"}, Problem{"MDEBOT_ALERT_CHANNEL", "channel ID (C…, G… or D…"}},
		{"alert channel lower case", map[string]string{"MDEBOT_ALERT_CHANNEL": "c0123abc"}, Problem{"MDEBOT_ALERT_CHANNEL", "channel ID"}},
		{"alert channel user", map[string]string{"MDEBOT_ALERT_CHANNEL": "U0123"}, Problem{"MDEBOT_ALERT_CHANNEL", "channel ID"}},
		{"severity", map[string]string{"MDEBOT_ALERT_MIN_SEVERITY": "critical"}, Problem{"MDEBOT_ALERT_MIN_SEVERITY", "must be one of Informational, Low, Medium, High"}},
		{"poll not a duration", map[string]string{"MDEBOT_ALERT_POLL_INTERVAL": "15"}, Problem{"MDEBOT_ALERT_POLL_INTERVAL", "must be a duration"}},
		{"poll too short", map[string]string{"MDEBOT_ALERT_POLL_INTERVAL": "4s"}, Problem{"MDEBOT_ALERT_POLL_INTERVAL", "at least 5s"}},
		{"lookback too long", map[string]string{"MDEBOT_ALERT_LOOKBACK": "721h"}, Problem{"MDEBOT_ALERT_LOOKBACK", "at most 720h"}},
		{"lookback negative", map[string]string{"MDEBOT_ALERT_LOOKBACK": "-1h"}, Problem{"MDEBOT_ALERT_LOOKBACK", "must not be negative"}},
		{"approval channel needed", map[string]string{"MDEBOT_RESPONDERS": "U1", "MDEBOT_APPROVERS": "U2"}, Problem{"MDEBOT_APPROVAL_CHANNEL", "required when MDEBOT_RESPONDERS is set"}},
		{"approval channel name", map[string]string{"MDEBOT_APPROVAL_CHANNEL": "approvals"}, Problem{"MDEBOT_APPROVAL_CHANNEL", "channel ID"}},
		{"responders one bad", map[string]string{"MDEBOT_RESPONDERS": "U1,@alice,S2", "MDEBOT_APPROVERS": "U2", "MDEBOT_APPROVAL_CHANNEL": "C1"}, Problem{"MDEBOT_RESPONDERS", "entry 2 of 3 is not a Slack user ID"}},
		{"approvers two bad", map[string]string{"MDEBOT_APPROVERS": "C1,U1,u2"}, Problem{"MDEBOT_APPROVERS", "entries 1, 3 of 3 are not Slack user IDs"}},
		{"viewers bad", map[string]string{"MDEBOT_VIEWERS": "<@U123>"}, Problem{"MDEBOT_VIEWERS", "entry 1 of 1"}},
		{"ttl too short", map[string]string{"MDEBOT_APPROVAL_TTL": "59s"}, Problem{"MDEBOT_APPROVAL_TTL", "at least 1m"}},
		{"ttl too long", map[string]string{"MDEBOT_APPROVAL_TTL": "25h"}, Problem{"MDEBOT_APPROVAL_TTL", "at most 24h"}},
		{"approvals zero", map[string]string{"MDEBOT_APPROVALS_REQUIRED": "0"}, Problem{"MDEBOT_APPROVALS_REQUIRED", "from 1 to 5"}},
		{"approvals six", map[string]string{"MDEBOT_APPROVALS_REQUIRED": "6"}, Problem{"MDEBOT_APPROVALS_REQUIRED", "from 1 to 5"}},
		{"approvals word", map[string]string{"MDEBOT_APPROVALS_REQUIRED": "two"}, Problem{"MDEBOT_APPROVALS_REQUIRED", "from 1 to 5"}},
		{"approvals more than approvers", map[string]string{"MDEBOT_APPROVALS_REQUIRED": "3", "MDEBOT_APPROVERS": "U1,U2"},
			Problem{"MDEBOT_APPROVALS_REQUIRED", "asks for 3 approvals but MDEBOT_APPROVERS names only 2 people"}},
		{"audit channel", map[string]string{"MDEBOT_AUDIT_CHANNEL": "audit"}, Problem{"MDEBOT_AUDIT_CHANNEL", "channel ID"}},
		{"http addr no port", map[string]string{"MDEBOT_HTTP_ADDR": "8080"}, Problem{"MDEBOT_HTTP_ADDR", "host:port"}},
		{"http addr port range", map[string]string{"MDEBOT_HTTP_ADDR": ":65536"}, Problem{"MDEBOT_HTTP_ADDR", "from 0 to 65535"}},
		{"http addr named port", map[string]string{"MDEBOT_HTTP_ADDR": "localhost:http"}, Problem{"MDEBOT_HTTP_ADDR", "from 0 to 65535"}},
		{"log level", map[string]string{"MDEBOT_LOG_LEVEL": "trace"}, Problem{"MDEBOT_LOG_LEVEL", "must be one of debug, info, warn, error"}},
		{"log format", map[string]string{"MDEBOT_LOG_FORMAT": "logfmt"}, Problem{"MDEBOT_LOG_FORMAT", "must be one of json, text"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := problems(t, with(tt.env))
			if len(got) != 1 || got[0].Var != tt.want.Var || !strings.Contains(got[0].Message, tt.want.Message) {
				t.Errorf("problems = %q\nwant one for %s containing %q", got, tt.want.Var, tt.want.Message)
			}
		})
	}
}

func TestLoadConfigAccepts(t *testing.T) {
	t.Parallel()
	// Values at the edges of what is allowed.
	for _, env := range []map[string]string{
		{"AZURE_TENANT_ID": "contoso.onmicrosoft.com"},
		{"AZURE_TENANT_ID": strings.ToUpper(testTenant)},
		{"MDEBOT_ALERT_POLL_INTERVAL": "5s", "MDEBOT_ALERT_LOOKBACK": "720h"},
		{"MDEBOT_APPROVAL_TTL": "1m"},
		{"MDEBOT_APPROVAL_TTL": "24h", "MDEBOT_APPROVALS_REQUIRED": "5"},
		{"MDEBOT_APPROVALS_REQUIRED": "3", "MDEBOT_APPROVERS": "U1,S2"},
		{"MDEBOT_HTTP_ADDR": "127.0.0.1:0"},
		{"MDEBOT_HTTP_ADDR": "[::1]:9090"},
		{"MDEBOT_ALERT_CHANNEL": "G012AB", "MDEBOT_AUDIT_CHANNEL": "D0X", "MDEBOT_VIEWERS": "W1,U2,S3"},
		{"REDIS_URL": "redis://localhost"},
		{"REDIS_URL": "rediss://:p%23ss@redis.example.com:6380/1"},
		{"MDEBOT_REDIS_PREFIX": "team-a:mdebot_1.0"},
		{"MDEBOT_SLACK_API_URL": "https://slack-gov.com/api"},
		{"MDEBOT_ALERT_ROUTES": "severity=High -> C999; group=Tier0 Servers|DCs, category=Ransomware -> C0IR, G0PRIV\n* -> C0ALL"},
	} {
		if _, err := load(t, with(env)); err != nil {
			t.Errorf("LoadConfig(%v): %v", env, err)
		}
	}
}

// TestNoSecretInOutput checks that secret values never reach an error, Redacted, fmt, slog or
// JSON, whichever variable they were put in.
func TestNoSecretInOutput(t *testing.T) {
	t.Parallel()
	const s = "S3KR1T" // every secret below contains it
	cert := testFile(t, "cert.pem", "x")
	bad := []map[string]string{
		{"SLACK_APP_TOKEN": "xoxb-" + s, "SLACK_BOT_TOKEN": "xapp-" + s},
		{"SLACK_APP_TOKEN": s, "SLACK_BOT_TOKEN": "xoxp-" + s},
		{"AZURE_CLIENT_SECRET": s, "AZURE_CLIENT_CERTIFICATE_PATH": cert, "AZURE_CLIENT_CERTIFICATE_PASSWORD": s},
		{"AZURE_CLIENT_SECRET": "<unset>", "AZURE_CLIENT_CERTIFICATE_PASSWORD": s},
		{"AZURE_TENANT_ID": s + "!", "AZURE_CLIENT_ID": s},
		{"AZURE_CLIENT_CERTIFICATE_PATH": "/nonexistent/" + s, "AZURE_FEDERATED_TOKEN_FILE": "/nonexistent/" + s},
		{"MDEBOT_SLACK_API_URL": "https://user:" + s + "@slack.com/api/", "AZURE_AUTHORITY_HOST": "https://x:" + s + "@login.example/"},
		{"MDEBOT_DEFENDER_URL": "http://" + s + ".example", "MDEBOT_DEFENDER_SCOPE": s},
		{"MDEBOT_SLACK_API_URL": "https://slack.com/api/?token=" + s},
		{"REDIS_URL": "redis://:" + s + "@"},
		{"REDIS_URL": "http://default:" + s + "@redis:6379"},
		{"REDIS_URL": "redis://:pa#" + s + "@redis:6379"},
		{"REDIS_URL": "redis://:pa ss" + s + "@redis:6379"},
		{"REDIS_URL": "redis:" + s + "@redis"},
		{"REDIS_URL": "redis://:" + s},
		{"REDIS_URL": "redis+sentinel://s1,u:" + s + "/m"},
		{"REDIS_URL": "redis://:" + s + "@redis:26379?master_name=m&sentinel_password=" + s + "&Password=" + s},
		{"MDEBOT_RESPONDERS": "xoxb-" + s, "MDEBOT_APPROVERS": "U1," + s, "MDEBOT_VIEWERS": s},
		{"MDEBOT_ALERT_CHANNEL": s, "MDEBOT_APPROVAL_CHANNEL": s, "MDEBOT_AUDIT_CHANNEL": "xoxb-" + s},
		{"MDEBOT_CLOUD": s, "MDEBOT_ALERT_MIN_SEVERITY": s, "MDEBOT_LOG_LEVEL": s, "MDEBOT_LOG_FORMAT": s},
		{"MDEBOT_ALERT_POLL_INTERVAL": s, "MDEBOT_ALERT_LOOKBACK": s + "h", "MDEBOT_APPROVAL_TTL": "1" + s},
		{"MDEBOT_APPROVALS_REQUIRED": s, "MDEBOT_HTTP_ADDR": s, "MDEBOT_REDIS_PREFIX": s + " x"},
	}
	for i, env := range bad {
		_, err := load(t, with(env))
		if err == nil {
			t.Errorf("hostile config %d: LoadConfig succeeded", i)
			continue
		}
		if strings.Contains(err.Error(), s) {
			t.Errorf("hostile config %d: the error shows a secret:\n%v", i, err)
		}
	}

	good := []map[string]string{
		{"SLACK_APP_TOKEN": "xapp-" + s, "SLACK_BOT_TOKEN": "xoxb-" + s, "AZURE_CLIENT_SECRET": s},
		{"AZURE_CLIENT_SECRET": "<unset>", "AZURE_CLIENT_CERTIFICATE_PATH": cert, "AZURE_CLIENT_CERTIFICATE_PASSWORD": s},
		{"REDIS_URL": "rediss://default:" + s + "@redis:6380/0"},
		{"REDIS_URL": "redis://" + s + "@redis:6379"},
		{"REDIS_URL": "redis+sentinel://:" + s + "@s1:26379,s2/m?sentinel_password=" + s},
		{"REDIS_URL": "redis://:" + s + "@a:7000,b:7001"},
	}
	for i, env := range good {
		cfg := mustLoad(t, with(env))
		var logged strings.Builder
		slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "cfg", cfg, "value", *cfg)
		slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "cfg", cfg)
		js, err := json.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		outputs := map[string]string{
			"Redacted": cfg.Redacted(),
			"fmt":      fmt.Sprintf("%v %+v %#v %s %d %x %q", cfg, cfg, cfg, *cfg, *cfg, cfg, *cfg),
			"slog":     logged.String(),
			"json":     string(js),
		}
		for name, out := range outputs {
			if strings.Contains(out, s) || strings.Contains(strings.ToUpper(out), strings.ToUpper(hex.EncodeToString([]byte(s)))) {
				t.Errorf("good config %d: %s shows a secret:\n%s", i, name, out)
			}
		}
	}
}

// TestRedisURLForms guarantees that every REDIS_URL form README.md and store.Open document (one
// node, TLS, Sentinel with a host list, Cluster with a host list) passes the configuration check,
// which uses the store's own parser.
func TestRedisURLForms(t *testing.T) {
	t.Parallel()
	for _, u := range []string{
		"redis://cache:6379/0",
		"rediss://:p%40ss@cache.example:6380/1?dial_timeout=3s",
		"redis+sentinel://s1:26379,s2:26379/mymaster",
		"rediss+sentinel://:pw@s1:26379/mymaster/0",
		"redis+sentinel://user:pw@s1,s2:26380/mymaster/1?sentinel_password=spw",
		"redis://u:pw@a:7000,b:7001,c/0",
		"redis://a:7000?cluster=true",
	} {
		if _, err := load(t, with(map[string]string{"REDIS_URL": u})); err != nil {
			t.Errorf("REDIS_URL form documented in README/store.Open refused: %v", err)
		}
	}
}
