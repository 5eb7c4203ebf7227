package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

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
