package main

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"reflect"
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
