package reliability

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
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

// commands returns how many times the server ran each command since it started (or since the
// last CONFIG RESETSTAT), from INFO commandstats, leaving out INFO and CONFIG themselves. Redis
// counts the commands a script runs as well as the script call (EVALSHA) itself.
func (r *redisServer) commands(t *testing.T) commandCounts {
	t.Helper()
	c := r.client()
	defer c.Close()
	info, err := c.Info(t.Context(), "commandstats").Result()
	if err != nil {
		t.Fatalf("INFO commandstats: %v", err)
	}
	out := commandCounts{}
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":calls=")
		name = strings.TrimPrefix(name, "cmdstat_")
		if !ok || name == "info" || name == "config" {
			continue
		}
		n, _, _ := strings.Cut(rest, ",")
		v, _ := strconv.ParseInt(n, 10, 64)
		out[name] = v
	}
	return out
}

// commandCounts are the runs of each command, by lower-case name.
type commandCounts map[string]int64

// since is c minus before, command by command.
func (c commandCounts) since(before commandCounts) commandCounts {
	out := commandCounts{}
	for name, n := range c {
		if d := n - before[name]; d > 0 {
			out[name] = d
		}
	}
	return out
}

// total is the sum over every command.
func (c commandCounts) total() int64 {
	var n int64
	for _, v := range c {
		n += v
	}
	return n
}

// perAlert lists the commands, most run first, each per alert: "hset 2.2, evalsha 0.6, ...".
func (c commandCounts) perAlert(alerts int) string {
	names := make([]string, 0, len(c))
	for name := range c {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool {
		if c[names[i]] != c[names[j]] {
			return c[names[i]] > c[names[j]]
		}
		return names[i] < names[j]
	})
	parts := make([]string, 0, len(names))
	for _, name := range names {
		parts = append(parts, fmt.Sprintf("%s %.2f", name, float64(c[name])/float64(max(alerts, 1))))
	}
	return strings.Join(parts, ", ")
}
