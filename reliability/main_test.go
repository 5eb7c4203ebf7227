package reliability

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

var mode = flag.String("reliability", os.Getenv("MDEBOT_RELIABILITY"),
	`"short" runs the suite's short form (CI), "full" the full form; empty skips the suite`)

// binary is the mdebot binary the suite built, "" when the suite is skipped.
var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	if *mode != "" && *mode != "short" && *mode != "full" {
		fmt.Fprintf(os.Stderr, "reliability: -reliability must be short or full, not %q\n", *mode)
		os.Exit(2)
	}
	code := 0
	if *mode != "" {
		dir, err := os.MkdirTemp("", "mdebot-reliability-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "reliability:", err)
			os.Exit(1)
		}
		binary = filepath.Join(dir, "mdebot")
		start := time.Now()
		build := exec.Command("go", "build", "-o", binary, "github.com/mdebot/mdebot/cmd/mdebot")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "reliability: build mdebot:", err)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "reliability: built %s in %s\n", binary, time.Since(start).Round(time.Millisecond))
		code = m.Run()
		fmt.Fprint(os.Stdout, results.String())
		_ = os.RemoveAll(dir)
	} else {
		code = m.Run()
	}
	os.Exit(code)
}

// need skips t unless the suite runs.
func need(t *testing.T) {
	t.Helper()
	if binary == "" {
		t.Skip("the reliability suite runs with -reliability=short or -reliability=full (see the package comment)")
	}
}

// full reports whether the full form runs.
func full() bool { return *mode == "full" }

// pick returns short in the short form and long in the full one.
func pick[T any](short, long T) T {
	if full() {
		return long
	}
	return short
}
