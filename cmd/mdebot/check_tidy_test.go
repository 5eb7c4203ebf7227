package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/sethvargo/go-envconfig"
)

// checkHelperEnv marks the child process of TestCheckOutputIsTidy.
const checkHelperEnv = "MDEBOT_TEST_CHECK_HELPER"

// TestCheckHelperProcess is `mdebot check` on the production path (go-redis's process-wide
// logger included), run by TestCheckOutputIsTidy in a child process; alone it does nothing.
func TestCheckHelperProcess(t *testing.T) {
	if os.Getenv(checkHelperEnv) != "1" {
		t.Skip("runs only as TestCheckOutputIsTidy's child")
	}
	err := run(context.Background(), []string{"mdebot", "check"}, envconfig.OsLookuper(), os.Stdout, os.Stderr)
	if err != nil {
		os.Stderr.WriteString("mdebot: " + err.Error() + "\n")
		os.Exit(1)
	}
	os.Exit(0)
}

// With every dependency unreachable, `mdebot check` prints its report alone: go-redis's own
// "redis: ... failed to dial" lines do not interleave with it, each failure stays on one line,
// and each is followed by what to do next.
func TestCheckOutputIsTidy(t *testing.T) {
	t.Parallel()
	closed := freeAddr(t) // nothing listens there
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestCheckHelperProcess$")
	cmd.Env = []string{
		checkHelperEnv + "=1",
		"SLACK_APP_TOKEN=xapp-1-A0-0-stand-in",
		"SLACK_BOT_TOKEN=xoxb-0-0-stand-in",
		"AZURE_TENANT_ID=00000000-0000-0000-0000-000000000001",
		"AZURE_CLIENT_ID=00000000-0000-0000-0000-000000000002",
		"AZURE_CLIENT_SECRET=stand-in",
		"AZURE_AUTHORITY_HOST=https://" + closed + "/",
		"MDEBOT_DEFENDER_URL=https://" + closed,
		"MDEBOT_SLACK_API_URL=http://" + closed + "/api/",
		"REDIS_URL=redis://" + closed + "/0",
	}
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("check exited with %v, want 1:\n%s", err, out)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	fails := 0
	for i, line := range lines {
		if strings.HasPrefix(line, "redis: ") || strings.Contains(line, "pool.go") {
			t.Errorf("go-redis's own log line in the report: %q", line)
		}
		if strings.HasPrefix(line, "FAIL  ") {
			fails++
			if i+1 >= len(lines) || !strings.Contains(lines[i+1], "next: ") {
				t.Errorf("the failure %q is not followed by what to do next", line)
			}
		}
	}
	if fails != 5 || !strings.HasPrefix(lines[len(lines)-1], "mdebot: 5 check(s) failed") {
		t.Errorf("want 5 failures (token, Defender, permissions, Redis, Slack) and the summary last:\n%s", out)
	}
}
