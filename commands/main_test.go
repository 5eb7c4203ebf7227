package commands

import (
	"fmt"
	"os"
	"testing"
)

// TestMain gives the package's tests a temporary directory of their own, removed at the end:
// tests that run hunt without Deps.TempDir and drop the response leave its CSV file there
// (the bot removes it after the reply).
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mdebot-commands-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("TMPDIR", dir)
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}
