package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/defender/defendertest"
	"github.com/mdebot/mdebot/defender/mdefake"
	"github.com/mdebot/mdebot/store"
	"github.com/mdebot/mdebot/store/storetest"
	"github.com/redis/go-redis/v9"
)

// Two real `mdebot run` processes share Redis; the one sending an approved isolation is killed
// with SIGKILL, once before it sends the isolation (while it asks MDE for pending actions first)
// and once while it sends it (MDE holds the request, and carries it out after the sender died).
// The other process takes over: the device is isolated exactly once, and the card shows the
// Defender action within 30 s of the kill.
func TestTakeoverTwoProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs two processes")
	}
	if runtime.GOOS != "linux" {
		t.Skip("SIGKILL of a child process")
	}
	t.Parallel()
	bin := buildBinary(t)
	for _, tc := range []struct {
		name string
		hold mdefake.Fault
	}{
		{"killed before sending", mdefake.Fault{Method: http.MethodGet, PathContains: "/api/machineactions", Times: 1}},
		{"killed while sending", mdefake.Fault{Method: http.MethodPost, PathContains: "/isolate", Times: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runTakeover(t, bin, tc.hold)
		})
	}
}

func runTakeover(t *testing.T, bin string, hold mdefake.Fault) {
	env := defendertest.New(t, defendertest.Options{Seed: true})
	sf := slackfake.New(t, slackfake.Options{})
	redisURL, prefix := takeoverRedis(t)
	vars := baseEnv(sf, env, "127.0.0.1:0")
	vars["MDEBOT_RESPONDERS"], vars["MDEBOT_APPROVERS"] = resp, lead
	vars["REDIS_URL"], vars["MDEBOT_REDIS_PREFIX"] = redisURL, prefix
	vars["MDEBOT_LOG_LEVEL"] = "info"
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, env.Fake.CACertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	vars["SSL_CERT_FILE"] = ca // Go reads the trusted roots from it on Linux
	logs := newSyncBuffer()
	procs := []*botProcess{startProcess(t, bin, vars, logs), startProcess(t, bin, vars, logs)}
	s := &apStack{slack: sf, mde: env, logs: logs}
	s.wait(t, "both processes connected", func(sn *slackfake.Snapshot) bool { return sn.Live == 2 })

	c := s.request(t, resp, "isolate laptop-alice.contoso.com beacon")
	st := store.New(mustRedis(t, redisURL), prefix)
	release := make(chan struct{})
	kills := make(chan time.Time, 1)
	hold.Hold = release
	hold.Held = func(*http.Request) {
		defer close(release)
		// The claim precedes every MDE call of the execution, so Redis names the sender.
		ap, err := st.Approval(context.Background(), c.id)
		if victim := processOf(procs, ap.Executor); err == nil && victim != nil {
			victim.kill()
			kills <- time.Now()
		}
	}
	env.Fake.Inject(hold)
	s.click(t, lead, c, "mde_approve", c.id)

	ctx, cancel := context.WithTimeout(t.Context(), 45*time.Second)
	defer cancel()
	_, err := sf.WaitFor(ctx, func(sn *slackfake.Snapshot) bool {
		m, _ := sn.Message(cardChan, c.ts)
		return strings.Contains(string(m.Blocks), "Defender action")
	})
	var killedAt time.Time
	select {
	case killedAt = <-kills:
	default:
		t.Fatalf("the sender was not killed\nlogs:\n%s", tail(logs.String(), 6000))
	}
	if err != nil {
		t.Fatalf("the card never showed the Defender action: %v\nlogs:\n%s", err, tail(logs.String(), 6000))
	}
	if took := time.Since(killedAt); took > 30*time.Second {
		t.Errorf("the card showed the Defender action %s after the kill, want within 30s", took)
	}
	isolations := 0
	for _, a := range env.Fake.Actions() {
		if a.Type == "Isolate" && strings.Contains(a.RequestorComment, c.id) {
			isolations++
		}
	}
	if isolations != 1 || len(s.actionPosts("/isolate")) != 1 {
		t.Errorf("%d isolations from %s in MDE, %d isolate calls; want 1 and 1\nlogs:\n%s", isolations, c.id,
			len(s.actionPosts("/isolate")), tail(logs.String(), 6000))
	}
	t.Logf("card showed the Defender action %s after the kill", time.Since(killedAt).Round(100*time.Millisecond))
}

// botProcess is one `mdebot run` child process.
type botProcess struct {
	cmd  *exec.Cmd
	done chan struct{}
	once sync.Once
}

func startProcess(t *testing.T, bin string, vars map[string]string, logs *syncBuffer) *botProcess {
	t.Helper()
	cmd := exec.Command(bin, "run")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &botProcess{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(p.kill)
	return p
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *botProcess) kill() {
	p.once.Do(func() { _ = p.cmd.Process.Kill() })
	<-p.done
}

// processOf finds the process whose replica name (host-pid-suffix) owns an execution.
func processOf(procs []*botProcess, owner string) *botProcess {
	parts := strings.Split(owner, "-")
	if len(parts) < 3 {
		return nil
	}
	pid, err := strconv.Atoi(parts[len(parts)-2])
	if err != nil {
		return nil
	}
	for _, p := range procs {
		if p.cmd.Process.Pid == pid {
			return p
		}
	}
	return nil
}

// takeoverRedis is the real Redis of MDEBOT_TEST_REDIS_URL, or else an in-test server whose TTLs
// run on the wall clock.
func takeoverRedis(t *testing.T) (url, prefix string) {
	t.Helper()
	if u := os.Getenv(storetest.EnvURL); u != "" {
		srv := storetest.Servers(t)[1] // its prefix's keys are deleted after the test
		return u, srv.Prefix
	}
	mr := miniredis.RunT(t)
	mr.ClockTTL(true)
	return "redis://" + mr.Addr() + "/0", storetest.Prefix(t)
}

func mustRedis(t *testing.T, url string) redis.UniversalClient {
	t.Helper()
	rdb, err := store.Open(t.Context(), url, store.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}
