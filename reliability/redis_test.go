package reliability

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisServer is a real redis-server process the suite owns: password-protected, durable
// (append-only file, fsync on every write) so that a kill -9 loses nothing, restartable on the
// same port.
type redisServer struct {
	port     int
	password string
	dir      string
	cmd      *exec.Cmd
	done     chan struct{}
}

// startRedis starts a redis-server on a free loopback port and stops it when t ends.
func startRedis(t *testing.T) *redisServer {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("the reliability suite needs redis-server (apt-get install redis-server): %v", err)
	}
	_ = path
	r := &redisServer{port: freePort(t), password: "rel-redis-pw-" + randHex(12), dir: t.TempDir()}
	r.start(t)
	t.Cleanup(r.kill)
	return r
}

// start runs the server and waits until it answers PING.
func (r *redisServer) start(t *testing.T) {
	t.Helper()
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--requirepass", r.password, "--save", "", "--appendonly", "yes", "--appendfsync", "always",
		"--dir", r.dir, "--logfile", filepath.Join(r.dir, "redis.log"))
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	r.done = make(chan struct{})
	go func(c *exec.Cmd, done chan struct{}) { _ = c.Wait(); close(done) }(r.cmd, r.done)
	c := r.client()
	defer c.Close()
	waitUntil(t, 10*time.Second, "redis-server answering", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		return c.Ping(ctx).Err() == nil
	})
}

// kill ends the server with SIGKILL and waits for it.
func (r *redisServer) kill() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGKILL)
	<-r.done
	r.cmd = nil
}

// url is the REDIS_URL of the server, with its password.
func (r *redisServer) url() string {
	return fmt.Sprintf("redis://:%s@127.0.0.1:%d/0", r.password, r.port)
}

func (r *redisServer) client() *redis.Client {
	return redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", r.port), Password: r.password,
		MaxRetries: -1, DialTimeout: time.Second})
}

// commands returns the total number of commands the server has run since it started (or since
// the last CONFIG RESETSTAT), from INFO commandstats, leaving out INFO itself.
func (r *redisServer) commands(t *testing.T) int64 {
	t.Helper()
	c := r.client()
	defer c.Close()
	info, err := c.Info(t.Context(), "commandstats").Result()
	if err != nil {
		t.Fatalf("INFO commandstats: %v", err)
	}
	var total int64
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		line := sc.Text()
		name, rest, ok := strings.Cut(line, ":calls=")
		if !ok || name == "cmdstat_info" || name == "cmdstat_config" {
			continue
		}
		n, _, _ := strings.Cut(rest, ",")
		v, _ := strconv.ParseInt(n, 10, 64)
		total += v
	}
	return total
}
