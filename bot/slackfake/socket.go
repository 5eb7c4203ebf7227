package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// ErrNotConnected is returned when an operation needs a socket-mode client
// and none is connected.
var ErrNotConnected = errors.New("slackfake: no socket-mode connection")

// conn is one socket-mode WebSocket connection.
type conn struct {
	id   int
	ws   *websocket.Conn
	wmu  sync.Mutex // serialises data frames; control frames need no lock
	done chan struct{}
	once sync.Once
}

func (c *conn) write(data []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return fmt.Errorf("set write deadline: %w", err)
	}
	if err := c.ws.WriteMessage(websocket.TextMessage, data); err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	return nil
}

// close shuts the TCP connection without a close frame; abrupt also makes
// the kernel send a reset, as a broken network path would.
func (c *conn) close(abrupt bool) {
	c.once.Do(func() { close(c.done) })
	if tcp, ok := c.ws.NetConn().(*net.TCPConn); ok && abrupt {
		_ = tcp.SetLinger(0)
	}
	_ = c.ws.NetConn().Close()
}

// appsConnectionsOpen hands out a single-use WebSocket URL.
func (f *Fake) appsConnectionsOpen(*apiRequest) (map[string]any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ticket := f.nextIDLocked("ticket-")
	f.tickets[ticket] = false
	return map[string]any{"url": "ws" + strings.TrimPrefix(f.base, "http") + "/ws?ticket=" + ticket}, nil
}

// serveSocket upgrades a ticketed request, says hello, then pings the client
// and records its acks until the connection ends.
func (f *Fake) serveSocket(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	f.mu.Lock()
	used, ok := f.tickets[ticket]
	if ok && !used {
		f.tickets[ticket] = true
	}
	f.mu.Unlock()
	if !ok || used {
		http.Error(w, "invalid or used ticket", http.StatusUnauthorized)
		return
	}
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		f.log.Warn("websocket upgrade failed", "err", err)
		return
	}
	c := &conn{ws: ws, done: make(chan struct{})}

	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		c.close(false)
		return
	}
	f.rec.connections++
	c.id = f.rec.connections
	f.all[c] = struct{}{}
	hello, _ := json.Marshal(map[string]any{
		"type":            "hello",
		"num_connections": len(f.live) + 1,
		"connection_info": map[string]any{"app_id": f.opts.AppID},
		"debug_info":      map[string]any{"host": "slackfake", "build_number": 1, "approximate_connection_time": 18060},
	})
	f.wg.Add(2)
	f.mu.Unlock()

	go f.readLoop(c)
	if err := c.write(hello); err != nil {
		f.log.Warn("hello failed", "conn", c.id, "err", err)
		c.close(false)
		f.wg.Done()
		return
	}
	f.mu.Lock()
	if _, open := f.all[c]; open && !f.closed {
		f.live = append(f.live, c)
	}
	f.notifyLocked()
	f.mu.Unlock()
	f.log.Info("socket connected", "conn", c.id)
	go f.pingLoop(c)
}

// readLoop records acks until the connection fails, then forgets it.
func (f *Fake) readLoop(c *conn) {
	defer f.wg.Done()
	defer f.forget(c)
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			f.log.Info("socket closed", "conn", c.id, "err", err)
			return
		}
		var a struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if err := json.Unmarshal(data, &a); err != nil || a.EnvelopeID == "" {
			f.log.Warn("unexpected frame from client", "conn", c.id, "bytes", len(data))
			continue
		}
		if string(a.Payload) == "null" {
			a.Payload = nil
		}
		now := time.Now()
		f.mu.Lock()
		ack := Ack{EnvelopeID: a.EnvelopeID, Payload: a.Payload, At: now}
		if sent, ok := f.sent[a.EnvelopeID]; ok {
			ack.Latency = now.Sub(sent)
		}
		f.rec.acks = append(f.rec.acks, ack)
		f.notifyLocked()
		f.mu.Unlock()
	}
}

// pingLoop sends a WebSocket PING at once and then every PingInterval, as
// Slack does, unless pings are stopped.
func (f *Fake) pingLoop(c *conn) {
	defer f.wg.Done()
	t := time.NewTicker(f.opts.PingInterval)
	defer t.Stop()
	for {
		if !f.pings.Load() {
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(time.Second)); err != nil {
				return
			}
		}
		select {
		case <-c.done:
			return
		case <-t.C:
		}
	}
}

// forget removes c from routing and bookkeeping and closes it.
func (f *Fake) forget(c *conn) {
	f.mu.Lock()
	f.live = slices.DeleteFunc(f.live, func(x *conn) bool { return x == c })
	delete(f.all, c)
	f.notifyLocked()
	f.mu.Unlock()
	c.close(false)
}

// WaitConnected waits until a client has received hello and can be sent
// envelopes.
func (f *Fake) WaitConnected(ctx context.Context) error {
	_, err := f.WaitFor(ctx, func(s *Snapshot) bool { return s.Live > 0 })
	return err
}

// Disconnect sends {"type":"disconnect","reason":reason} to every connected
// client ("refresh_requested" when reason is empty) and routes no further
// envelopes to those connections. slack-go then calls apps.connections.open
// again and reconnects.
func (f *Fake) Disconnect(reason string) error {
	if reason == "" {
		reason = "refresh_requested"
	}
	f.mu.Lock()
	conns := f.live
	f.live = nil
	f.notifyLocked()
	f.mu.Unlock()
	if len(conns) == 0 {
		return ErrNotConnected
	}
	msg, _ := json.Marshal(map[string]any{"type": "disconnect", "reason": reason, "debug_info": map[string]any{"host": "slackfake"}})
	var errs []error
	for _, c := range conns {
		if err := c.write(msg); err != nil {
			errs = append(errs, fmt.Errorf("slackfake: disconnect conn %d: %w", c.id, err))
		}
	}
	return errors.Join(errs...)
}

// DropSocket resets every WebSocket connection without a close frame, as a
// network failure would.
func (f *Fake) DropSocket() error {
	f.mu.Lock()
	conns := slices.Collect(maps.Keys(f.all))
	f.live = nil
	f.notifyLocked()
	f.mu.Unlock()
	if len(conns) == 0 {
		return ErrNotConnected
	}
	for _, c := range conns {
		c.close(true)
	}
	return nil
}

// StopPings stops WebSocket PINGs on every connection, present and future,
// so slack-go's ping watchdog fires and the client reconnects.
func (f *Fake) StopPings() { f.pings.Store(true) }

// ResumePings undoes StopPings.
func (f *Fake) ResumePings() { f.pings.Store(false) }
