package alerts

import (
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/mdebot/mdebot/defender/mdefake"
	"github.com/redis/go-redis/v9"
)

type mdefakeAlert = mdefake.Alert

// mdefakeFault fails every alert list with status (429 with a one-second Retry-After).
func mdefakeFault(status int) mdefake.Fault {
	f := mdefake.Fault{PathContains: "/api/alerts", Status: status}
	if status == http.StatusTooManyRequests {
		f.RetryAfter = time.Second
	}
	return f
}

func redisClient(t testing.TB, opts *redis.Options) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// tcpProxy forwards 127.0.0.1 connections to a Redis server and can go down (every connection
// cut, new ones refused) and come back on the same address, like a server restart that keeps
// its data.
type tcpProxy struct {
	t      *testing.T
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
	listen string
	wg     sync.WaitGroup
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	p := &tcpProxy{t: t, target: target, conns: map[net.Conn]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.listen = ln.Addr().String()
	p.start(ln)
	t.Cleanup(func() { p.down(); p.wg.Wait() })
	return p
}

func (p *tcpProxy) addr() string { return p.listen }

func (p *tcpProxy) start(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.wg.Go(func() { p.serve(c) })
		}
	})
}

func (p *tcpProxy) serve(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = c.Close()
		return
	}
	p.mu.Lock()
	if p.ln == nil {
		p.mu.Unlock()
		_ = c.Close()
		_ = up.Close()
		return
	}
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	var wg sync.WaitGroup
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		_ = dst.Close()
		_ = src.Close()
	}
	wg.Go(func() { pipe(up, c) })
	wg.Go(func() { pipe(c, up) })
	wg.Wait()
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

// down closes the listener and every connection.
func (p *tcpProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		_ = c.Close()
	}
}

// up listens again on the same address.
func (p *tcpProxy) up() {
	p.t.Helper()
	ln, err := net.Listen("tcp", p.listen)
	if err != nil && !errors.Is(err, net.ErrClosed) {
		p.t.Fatalf("proxy up: %v", err)
	}
	p.start(ln)
}
