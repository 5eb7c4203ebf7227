package main

import (
	"bytes"
	"debug/elf"
	"errors"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestDockerfileBuild runs the Dockerfile's own go build line (CGO_ENABLED=0, its -ldflags, with
// VERSION stamped), checks that the result is a static executable that prints that version, and
// that its `healthcheck` exits 0 against a running bot and 1 once the bot has stopped, as the
// HEALTHCHECK instruction needs.
func TestDockerfileBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if runtime.GOOS != "linux" {
		t.Skip("the Dockerfile builds for linux")
	}
	t.Parallel()
	const stamp = "v0.0.0-dockerfile-test"
	bin := filepath.Join(t.TempDir(), "mdebot")
	env, args := dockerfileBuild(t, stamp, bin)
	goBuild(t, env, args...)

	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary has a dynamic loader (PT_INTERP): not static")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary needs shared libraries %v", libs)
	}

	out, err := exec.CommandContext(t.Context(), bin, "version").Output()
	if err != nil || strings.TrimSpace(string(out)) != "mdebot "+stamp {
		t.Errorf("version printed %q (%v), want %q", out, err, "mdebot "+stamp)
	}

	addr, stop := startStoppableBot(t)
	probe := func() (int, string) {
		c := exec.CommandContext(t.Context(), bin, "healthcheck")
		c.Env = []string{"MDEBOT_HTTP_ADDR=" + addr}
		var o bytes.Buffer
		c.Stdout, c.Stderr = &o, &o
		err := c.Run()
		var ee *exec.ExitError
		switch {
		case err == nil:
			return 0, o.String()
		case errors.As(err, &ee):
			return ee.ExitCode(), o.String()
		}
		t.Fatalf("healthcheck: %v", err)
		return -1, ""
	}
	if code, o := probe(); code != 0 || !strings.HasPrefix(o, "healthy: ") {
		t.Errorf("healthcheck of a running bot: exit %d, %q", code, o)
	}
	stop()
	if code, o := probe(); code != 1 || !strings.HasPrefix(o, "mdebot: unhealthy: ") || strings.Count(o, "\n") != 1 {
		t.Errorf("healthcheck of a stopped bot: exit %d, %q; want 1 and one line", code, o)
	}
}

// dockerfileBuild turns the Dockerfile's `RUN ... go build ...` line into environment and go
// arguments, with ${VERSION} set to version and the output redirected to out.
func dockerfileBuild(t *testing.T, version, out string) (env, args []string) {
	t.Helper()
	var line string
	for _, l := range strings.Split(dockerfile(t), "\n") {
		if strings.HasPrefix(l, "RUN ") && strings.Contains(l, " go build ") {
			line = strings.TrimPrefix(l, "RUN ")
		}
	}
	if line == "" {
		t.Fatal("the Dockerfile has no RUN ... go build line")
	}
	words := shellWords(t, strings.ReplaceAll(line, "${VERSION}", version))
	for len(words) > 0 && strings.Contains(words[0], "=") {
		env = append(env, words[0])
		words = words[1:]
	}
	if len(words) < 2 || words[0] != "go" || words[1] != "build" {
		t.Fatalf("cannot read the build command %q", line)
	}
	if !strings.Contains(strings.Join(env, " "), "CGO_ENABLED=0") {
		t.Errorf("the Dockerfile builds with %v, without CGO_ENABLED=0", env)
	}
	args = words[1:]
	for i := range args {
		if args[i] == "-o" && i+1 < len(args) {
			args[i+1] = out
		}
	}
	return env, args
}

// shellWords splits a command line on spaces, keeping double-quoted strings whole.
func shellWords(t *testing.T, s string) []string {
	t.Helper()
	var words []string
	var cur strings.Builder
	inQuote, inWord := false, false
	for _, r := range s {
		switch {
		case r == '"':
			inQuote, inWord = !inQuote, true
		case r == ' ' && !inQuote:
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case r == '\\' || r == '$' || r == '\'' || r == '`':
			t.Fatalf("the build line uses shell syntax this test does not read: %q", s)
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inQuote {
		t.Fatalf("unbalanced quotes in %q", s)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}
