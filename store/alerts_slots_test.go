package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mdebot/mdebot/store"
	"github.com/mdebot/mdebot/store/storetest"
)

// scriptCalls records every script call a client sends, with its keys, and counts commands.
type scriptCalls struct {
	mu    sync.Mutex
	keys  [][]string
	cmds  int
	trips int
}

func (s *scriptCalls) note(cmds ...redis.Cmder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.trips++
	for _, c := range cmds {
		if name := c.Name(); name == "hello" || name == "client" { // a new connection's handshake
			continue
		}
		s.cmds++
		args := c.Args()
		if name := strings.ToLower(c.Name()); (name != "evalsha" && name != "eval") || len(args) < 3 {
			continue
		}
		n, _ := args[2].(int)
		keys := make([]string, 0, n)
		for _, k := range args[3 : 3+n] {
			keys = append(keys, fmt.Sprint(k))
		}
		s.keys = append(s.keys, keys)
	}
}

func (s *scriptCalls) DialHook(next redis.DialHook) redis.DialHook { return next }
func (s *scriptCalls) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { s.note(cmd); return next(ctx, cmd) }
}
func (s *scriptCalls) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { s.note(cmds...); return next(ctx, cmds) }
}

// clusterTag is the part of a key Redis Cluster hashes (the text in the first non-empty {...}).
func clusterTag(key string) string {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			return key[i+1 : i+1+j]
		}
	}
	return key
}

// TestAlertScriptsStayInOneSlot checks that every script call of a poll's reads and writes
// touches keys of one Redis Cluster slot (Cluster refuses a script whose keys do not; the
// single-node servers the tests run on would not), and that a trickle of alerts in one channel
// is read and written with a fixed number of commands, whatever the number of alerts.
func TestAlertScriptsStayInOneSlot(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			st := store.New(srv.Client, srv.Prefix)
			var calls scriptCalls
			srv.Client.AddHook(&calls)
			const n = 5
			var q store.AlertStateQuery
			var claims []store.AlertClaim
			for i := range n {
				id := fmt.Sprintf("da%d", i)
				k := store.AlertKey{Channel: "C1", AlertID: id}
				q.Messages = append(q.Messages, k)
				q.Incidents = append(q.Incidents, store.IncidentKey{Channel: "C1", IncidentID: int64(100 + i)})
				q.Channels = append(q.Channels, id)
				claims = append(claims, store.AlertClaim{Key: k, Digest: "d"})
			}
			q.Muted = []string{"da9"}
			step := func(name string, want int, run func() error) {
				t.Helper()
				before := calls.cmds
				if err := run(); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				// A server that had not seen a script yet answers NOSCRIPT, and the call is sent
				// again as EVAL: at most twice the commands.
				if got := calls.cmds - before; got < want || got > 2*want {
					t.Errorf("%s of %d alerts: %d commands, want %d", name, n, got, want)
				}
			}
			step("load", 2, func() error { _, err := st.LoadAlertState(ctx, q); return err })
			step("claim", 1, func() error {
				_, err := st.ClaimAlerts(ctx, store.ClaimOptions{Owner: "a", Now: time.Now(), Lease: time.Minute,
					Retention: time.Hour}, claims)
				return err
			})
			w := st.AlertWrites("a", time.Hour)
			for i, c := range claims {
				w.Confirm(c.Key, store.Posted{TS: "1.1", Digest: "d", Kind: "card"})
				w.IndexChannel(c.Key.AlertID, c.Key.Channel)
				w.SetIncident(q.Incidents[i], store.IncidentThread{TS: "1.1"})
			}
			step("confirm", 2, func() error { _, err := w.Exec(ctx); return err })
			state, err := st.LoadAlertState(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(state.Messages) != n || len(state.Incidents) != n || len(state.Channels) != n {
				t.Fatalf("read back %d messages, %d incidents, %d channel lists; want %d each",
					len(state.Messages), len(state.Incidents), len(state.Channels), n)
			}
			for _, keys := range calls.keys {
				for _, k := range keys[1:] {
					if clusterTag(k) != clusterTag(keys[0]) {
						t.Fatalf("one script call touches %q and %q: two Cluster slots", keys[0], k)
					}
				}
			}
		})
	}
}
