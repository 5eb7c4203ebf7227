package slackfake_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/mdebot/mdebot/bot/slackfake"
)

// waitTimeout bounds every wait in these tests; nothing sleeps.
const waitTimeout = 10 * time.Second

// client is a real slack-go socket-mode client connected to a fake.
type client struct {
	api    *slack.Client
	smc    *socketmode.Client
	events chan socketmode.Event // slash commands, interactions and Events API only
	done   chan error            // RunContext's result
}

// startClient runs a socket-mode client against f until the test ends.
func startClient(t *testing.T, f *slackfake.Fake, appToken string, opts ...socketmode.Option) *client {
	t.Helper()
	api := slack.New(f.BotToken(), slack.OptionAPIURL(f.APIURL()), slack.OptionAppLevelToken(appToken))
	c := &client{
		api:    api,
		smc:    socketmode.New(api, opts...),
		events: make(chan socketmode.Event, 64),
		done:   make(chan error, 1),
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { c.done <- c.smc.RunContext(ctx) })
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case evt := <-c.smc.Events:
				switch evt.Type {
				case socketmode.EventTypeSlashCommand, socketmode.EventTypeInteractive, socketmode.EventTypeEventsAPI:
					c.events <- evt
				}
			}
		}
	})
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	return c
}

// next returns the next envelope event the client received.
func (c *client) next(t *testing.T) socketmode.Event {
	t.Helper()
	select {
	case evt := <-c.events:
		return evt
	case <-time.After(waitTimeout):
		t.Fatal("no socket-mode event arrived")
		return socketmode.Event{}
	}
}

// ack acknowledges evt through slack-go and returns what the fake received.
func (c *client) ack(t *testing.T, f *slackfake.Fake, evt socketmode.Event, payload any) slackfake.Ack {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	if err := c.smc.AckCtx(ctx, evt.Request.EnvelopeID, payload); err != nil {
		t.Fatalf("AckCtx: %v", err)
	}
	a, err := f.Ack(ctx, evt.Request.EnvelopeID)
	if err != nil {
		t.Fatalf("fake Ack: %v", err)
	}
	return a
}

// connected starts a fake and one client and waits for the connection.
func connected(t *testing.T, opts slackfake.Options) (*slackfake.Fake, *client) {
	t.Helper()
	f := slackfake.New(t, opts)
	c := startClient(t, f, f.AppToken())
	if err := f.WaitConnected(waitCtx(t)); err != nil {
		t.Fatalf("WaitConnected: %v", err)
	}
	return f, c
}

func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	t.Cleanup(cancel)
	return ctx
}

// jsonEqual reports whether two JSON documents are equal as values.
func jsonEqual(t *testing.T, got json.RawMessage, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("decode %q: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("decode want %q: %v", want, err)
	}
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("JSON mismatch (-want +got):\n%s", diff)
	}
}
