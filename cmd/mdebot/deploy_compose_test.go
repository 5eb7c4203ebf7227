package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// envExample reads .env.example: NAME=value lines, and the names of commented-out "# NAME=" ones.
func envExample(t *testing.T) (set map[string]string, commented []string) {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot(t), ".env.example"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	set = map[string]string{}
	sc := bufio.NewScanner(f)
	prevComment := false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if name, ok := strings.CutPrefix(line, "# "); ok && isEnvAssignment(name) {
			commented = append(commented, strings.SplitN(name, "=", 2)[0])
		}
		if isEnvAssignment(line) {
			name, value, _ := strings.Cut(line, "=")
			if _, dup := set[name]; dup {
				t.Errorf(".env.example sets %s twice", name)
			}
			if !prevComment {
				t.Errorf(".env.example: %s has no comment above it", name)
			}
			set[name] = value
		}
		prevComment = strings.HasPrefix(line, "#")
	}
	return set, commented
}

func isEnvAssignment(s string) bool {
	name, _, ok := strings.Cut(s, "=")
	return ok && name != "" && strings.Trim(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == ""
}

// .env.example sets every variable the code reads, with a comment each, and values that
// LoadConfig accepts once the blanks are filled in.
func TestEnvExample(t *testing.T) {
	t.Parallel()
	set, commented := envExample(t)
	for _, name := range configVarNames() {
		if _, ok := set[name]; !ok {
			t.Errorf(".env.example lacks %s", name)
		}
	}
	for _, name := range unknown(set, configVarNames()) {
		t.Errorf(".env.example sets %s, which the code does not read", name)
	}
	for _, name := range commented {
		if !slices.Contains(configVarNames(), name) {
			t.Errorf(".env.example mentions %s, which the code does not read", name)
		}
	}
	loadWith(t, ".env.example", set)
}

// compose.yaml runs the image's own healthcheck, restarts both services, keeps Redis durable
// (AOF) and refusing rather than evicting, and runs the bot non-root with the .env file.
func TestComposeFile(t *testing.T) {
	t.Parallel()
	docs := yamlDocs(t, filepath.Join(repoRoot(t), "compose.yaml"))
	if len(docs) != 1 {
		t.Fatalf("compose.yaml has %d documents", len(docs))
	}
	bot, redis := dig(docs[0], "services", "mdebot"), dig(docs[0], "services", "redis")
	if bot == nil || redis == nil {
		t.Fatal("compose.yaml needs the services mdebot and redis")
	}
	if hc := fmt.Sprint(dig(bot, "healthcheck", "test")); hc != "[CMD "+binaryPath(t)+" healthcheck]" {
		t.Errorf("mdebot healthcheck = %s, want the image's binary with healthcheck", hc)
	}
	if hc := fmt.Sprint(dig(redis, "healthcheck", "test")); !strings.Contains(hc, "ping") {
		t.Errorf("redis healthcheck = %s", hc)
	}
	for name, svc := range map[string]any{"mdebot": bot, "redis": redis} {
		if r := toString(dig(svc, "restart")); r != "unless-stopped" && r != "always" {
			t.Errorf("%s restart = %q", name, r)
		}
	}
	cmd := fmt.Sprint(dig(redis, "command"))
	for _, want := range []string{"--appendonly yes", "--maxmemory-policy noeviction"} {
		if !strings.Contains(cmd, want) {
			t.Errorf("redis command %s lacks %s", cmd, want)
		}
	}
	if c := toString(dig(bot, "depends_on", "redis", "condition")); c != "service_healthy" {
		t.Errorf("mdebot waits for redis until %q", c)
	}
	if ef := fmt.Sprint(dig(bot, "env_file")); ef != ".env" {
		t.Errorf("mdebot env_file = %s, want .env (from .env.example)", ef)
	}
	if u := toString(dig(bot, "user")); u == "" || strings.HasPrefix(u, "0") || strings.HasPrefix(u, "root") {
		t.Errorf("mdebot runs as user %q", u)
	}
	if dig(bot, "read_only") != true {
		t.Error("mdebot's root filesystem is writable")
	}
	// Hunting results are written to the temporary directory before their upload.
	if tmp := fmt.Sprint(dig(bot, "tmpfs")); !strings.Contains(tmp, "/tmp") {
		t.Errorf("mdebot has no writable /tmp for hunting results: tmpfs = %s", tmp)
	}
	if r := toString(dig(bot, "environment", "REDIS_URL")); !strings.Contains(r, "redis://redis:6379") {
		t.Errorf("mdebot REDIS_URL = %q, want the compose Redis by default", r)
	}
}

// The Dockerfile ships the static binary on distroless as a numeric non-root user, with a
// HEALTHCHECK through `mdebot healthcheck` and the version from a build argument.
func TestDockerfile(t *testing.T) {
	t.Parallel()
	df := dockerfile(t)
	for _, want := range []string{
		"FROM gcr.io/distroless/static-debian12:nonroot",
		"USER 65532:65532",
		`CMD ["` + binaryPath(t) + `", "healthcheck"]`,
		"ARG VERSION",
		"-X main.version=${VERSION}",
	} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	if !strings.Contains(df, "HEALTHCHECK ") {
		t.Error("Dockerfile has no HEALTHCHECK")
	}
}

func dockerfile(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// binaryPath is where the Dockerfile puts the binary (its COPY --from=build line).
func binaryPath(t *testing.T) string {
	t.Helper()
	for _, line := range strings.Split(dockerfile(t), "\n") {
		if f := strings.Fields(line); len(f) == 4 && f[0] == "COPY" && strings.HasPrefix(f[1], "--from=build") {
			return f[3]
		}
	}
	t.Fatal("Dockerfile has no COPY --from=build of the binary")
	return ""
}
