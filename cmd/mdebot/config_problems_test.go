package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

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
