package main

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/bot/socket"
	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/defender/defendertest"
	"github.com/sethvargo/go-envconfig"
)

// stack is the real `mdebot run` wiring against the Slack, MDE and Entra fakes.
type stack struct {
	slack    *slackfake.Fake
	mde      *defendertest.Env
	httpAddr string
	logs     *syncBuffer
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu  chan struct{}
	buf bytes.Buffer
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{mu: make(chan struct{}, 1)} }

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu <- struct{}{}
	defer func() { <-b.mu }()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu <- struct{}{}
	defer func() { <-b.mu }()
	return b.buf.String()
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// baseEnv is a complete configuration pointing at the fakes.
func baseEnv(sf *slackfake.Fake, env *defendertest.Env, httpAddr string) map[string]string {
	vars := fakesEnv(sf, env)
	maps.Copy(vars, map[string]string{
		"MDEBOT_RESPONDERS":       "U0RESP,S0SOC",
		"MDEBOT_APPROVERS":        "U0LEAD",
		"MDEBOT_VIEWERS":          "U0VIEW,U0RESP,U0LEAD",
		"MDEBOT_APPROVAL_CHANNEL": "C0APPROVALS",
		"MDEBOT_HTTP_ADDR":        httpAddr,
		"MDEBOT_LOG_LEVEL":        "debug",
		"MDEBOT_LOG_FORMAT":       "json",
	})
	return vars
}

// startStack runs `mdebot run` through run() and waits until it is ready.
func startStack(t testing.TB, extra map[string]string) *stack {
	t.Helper()
	return startStackWith(t, extra, socket.Options{})
}

// startStackWith is startStack with the runtime's options.
func startStackWith(t testing.TB, extra map[string]string, sock socket.Options) *stack {
	t.Helper()
	env := defendertest.New(t, defendertest.Options{Seed: true})
	sf := slackfake.New(t, slackfake.Options{})
	s := &stack{slack: sf, mde: env, httpAddr: freeAddr(t), logs: newSyncBuffer()}
	vars := baseEnv(sf, env, s.httpAddr)
	for k, v := range extra {
		vars[k] = v
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- runBot(ctx, envconfig.MapLookuper(vars), s.logs, seams{transport: env.Fake.HTTPClient(), limits: defender.Unlimited(), socket: sock})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("mdebot run returned %v", err)
		}
	})
	if err := sf.WaitConnected(t.Context()); err != nil {
		t.Fatal(err)
	}
	waitReady(t, s.httpAddr)
	return s
}

// waitReady polls /readyz, as a load balancer would, until the bot says it is ready.
func waitReady(t testing.TB, addr string) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-t.Context().Done():
			t.Fatalf("the bot never became ready: %v", err)
		case <-tick.C:
		}
	}
}

// ask sends a slash command as user and returns the reply's JSON body.
func (s *stack) ask(t testing.TB, user, text string) string {
	t.Helper()
	env, err := s.slack.SlashCommand(t.Context(), slackfake.SlashCommand{UserID: user, ChannelID: "C0SOC", Text: text})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	snap, err := s.slack.WaitFor(ctx, func(sn *slackfake.Snapshot) bool { return len(answers(sn, env.ID)) > 0 })
	if err != nil {
		t.Fatalf("no reply to %q: %v", text, err)
	}
	return string(answers(snap, env.ID)[0].Body)
}

func abbreviate(s string) string {
	var v any
	if json.Unmarshal([]byte(s), &v) == nil {
		b, _ := json.Marshal(v)
		s = string(b)
	}
	if len(s) > 1500 {
		return s[:1500] + "…"
	}
	return s
}

// answers are the posts through an envelope's response_url that answer it, leaving out the
// "working on it" notes a slow request shows first.
func answers(sn *slackfake.Snapshot, envelopeID string) []slackfake.ResponsePost {
	var out []slackfake.ResponsePost
	for _, p := range sn.ResponseURLPosts(envelopeID) {
		if !strings.Contains(string(p.Body), socket.ProgressBlockID) {
			out = append(out, p)
		}
	}
	return out
}
