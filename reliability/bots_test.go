package reliability

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// botProc is one mdebot replica: the built binary running `mdebot run`, its stderr captured.
type botProc struct {
	name string
	addr string // MDEBOT_HTTP_ADDR: health, readiness and metrics
	cmd  *exec.Cmd
	logs *syncBuffer
	done chan struct{}
	hwm  int64 // peak RSS in kB, read from /proc before the process ended
}

// startBot runs the binary with env and waits until /readyz answers 200.
func startBot(t *testing.T, name string, env map[string]string) *botProc {
	t.Helper()
	b := &botProc{name: name, addr: fmt.Sprintf("127.0.0.1:%d", freePort(t)), logs: &syncBuffer{}}
	b.cmd = exec.Command(binary, "run")
	b.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "MDEBOT_HTTP_ADDR=" + b.addr}
	for k, v := range env {
		b.cmd.Env = append(b.cmd.Env, k+"="+v)
	}
	b.cmd.Stdout, b.cmd.Stderr = b.logs, b.logs
	if err := b.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	b.done = make(chan struct{})
	go func() { _ = b.cmd.Wait(); close(b.done) }()
	t.Cleanup(b.stop)
	waitUntil(t, 30*time.Second, name+" ready", func() bool {
		select {
		case <-b.done:
			t.Fatalf("%s exited at start:\n%s", name, tail(b.logs.String(), 3000))
		default:
		}
		return b.get("/readyz") == http.StatusOK
	})
	return b
}

// alive reports whether the process still runs.
func (b *botProc) alive() bool {
	select {
	case <-b.done:
		return false
	default:
		return true
	}
}

// kill9 ends the process with SIGKILL, as a node loss or the OOM killer would.
func (b *botProc) kill9() {
	if !b.alive() {
		return
	}
	b.readHWM()
	_ = b.cmd.Process.Signal(syscall.SIGKILL)
	<-b.done
}

// stop ends the process with SIGTERM (what `docker stop` sends), SIGKILL after 15 s.
func (b *botProc) stop() {
	if !b.alive() {
		return
	}
	b.readHWM()
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.done:
	case <-time.After(15 * time.Second):
		_ = b.cmd.Process.Signal(syscall.SIGKILL)
		<-b.done
	}
}

// readHWM records the process's peak resident set size (VmHWM) while it still runs.
func (b *botProc) readHWM() {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", b.cmd.Process.Pid))
	if err != nil {
		return
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			b.hwm = max(b.hwm, kb)
		}
	}
}

func (b *botProc) get(path string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+b.addr+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// metric sums the samples of the Prometheus metric name whose labels contain every one of
// labels (like `state="executing"`); it returns -1 when /metrics does not answer.
func (b *botProc) metric(name string, labels ...string) float64 {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+b.addr+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	sum := 0.0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		ok := true
		for _, l := range labels {
			ok = ok && strings.Contains(line, l)
		}
		if i := strings.LastIndexByte(line, ' '); ok && i > 0 {
			v, _ := strconv.ParseFloat(line[i+1:], 64)
			sum += v
		}
	}
	return sum
}

// syncBuffer is a bytes.Buffer safe for concurrent writes and reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// waitUntil polls cond every 50 ms until it holds, failing t after d.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		select {
		case <-t.Context().Done():
			t.Fatalf("test ended waiting for %s", what)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func tail(s string, n int) string { return s[max(0, len(s)-n):] }
