package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// goBuild runs `go <args>` in the module root with env added to the test's environment (the
// Dockerfile's CGO_ENABLED=0, say), and fails the test with go's output if it fails. The go
// command is the one on PATH, else the toolchain running the tests.
func goBuild(t *testing.T, env []string, args ...string) {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.CommandContext(t.Context(), gobin, args...)
	cmd.Dir = repoRoot(t)
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// buildBinary builds the mdebot binary into a temporary directory and returns its path, for the
// tests that run it as a process.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mdebot")
	goBuild(t, nil, "build", "-o", bin, "./cmd/mdebot")
	return bin
}
