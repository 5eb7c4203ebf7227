package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/defender/defendertest"
	"github.com/sethvargo/go-envconfig"
)

// A rediss:// URL with skip_verify=true (no certificate check) used to be taken silently. It is
// refused at start unless MDEBOT_REDIS_INSECURE=true says it on purpose, and `check` warns then.
func TestRedisSkipVerifyNeedsInsecure(t *testing.T) {
	t.Parallel()
	const u = "rediss://:pw-not-shown@127.0.0.1:1/0?skip_verify=true"
	env := minimalEnv()
	env["REDIS_URL"] = u
	_, err := load(t, env)
	if err == nil || !strings.Contains(err.Error(), "REDIS_URL") || !strings.Contains(err.Error(), "MDEBOT_REDIS_INSECURE=true") ||
		strings.Contains(err.Error(), "pw-not-shown") {
		t.Fatalf("skip_verify without MDEBOT_REDIS_INSECURE: %v", err)
	}
	env["MDEBOT_REDIS_INSECURE"] = "true"
	if cfg := mustLoad(t, env); !cfg.RedisInsecure {
		t.Fatal("MDEBOT_REDIS_INSECURE=true not read")
	}

	de := defendertest.New(t, defendertest.Options{Seed: true})
	sf := slackfake.New(t, slackfake.Options{})
	vars := baseEnv(sf, de, "127.0.0.1:0")
	vars["REDIS_URL"], vars["MDEBOT_REDIS_INSECURE"] = u, "true"
	var out bytes.Buffer
	_ = runCheck(t.Context(), envconfig.MapLookuper(vars), &out, seams{transport: de.Fake.HTTPClient()})
	if !strings.Contains(out.String(), "WARN  Redis TLS") || strings.Contains(out.String(), "pw-not-shown") {
		t.Errorf("check does not warn about skip_verify:\n%s", out.String())
	}
}
