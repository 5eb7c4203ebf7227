package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/defender/defendertest"
	"github.com/mdebot/mdebot/defender/mdefake"
)

// showAlerts waits for the poller's first round in the alert channel and prints one message.
func showAlerts(ctx context.Context, out io.Writer, sf *slackfake.Fake) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	snap, err := sf.WaitFor(ctx, func(s *slackfake.Snapshot) bool { return len(channelMessages(s, demoAlerts)) >= 6 })
	if err != nil {
		return fmt.Errorf("demo: no alerts were posted: %w", err)
	}
	msgs := channelMessages(snap, demoAlerts)
	shown := msgs[0]
	for _, m := range msgs {
		if j := messageJSON(m); bytes.Contains(j, []byte("alert_isolate")) {
			shown = m // an open alert, with its buttons
			break
		}
	}
	fmt.Fprintf(out, "\n# The leader polled Defender and posted %d alert messages to the alert channel; one of them:\n", len(msgs))
	fmt.Fprintln(out, indent(messageText(messageJSON(shown))))
	return nil
}

// showApproval plays a four-eyes approval: the analyst asks to isolate a device, cannot approve
// their own request, and the lead's approval makes exactly one call to Defender.
func showApproval(ctx context.Context, out io.Writer, sf *slackfake.Fake, env *defendertest.Env) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	st := demoStep{say: "A response action needs a second person.", text: "isolate " + mdefake.DemoAlice + " beaconing to a known C2 server"}
	post, err := playStep(ctx, sf, st, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n# %s\n> /mde %s\n%s\n", st.say, st.text, indent(messageText(post.Body)))
	snap, err := sf.WaitFor(ctx, func(s *slackfake.Snapshot) bool { return len(channelMessages(s, demoApproval)) > 0 })
	if err != nil {
		return fmt.Errorf("demo: no approval card: %w", err)
	}
	card := channelMessages(snap, demoApproval)[0]
	fmt.Fprintf(out, "\n# The card in the approval channel:\n%s\n", indent(messageText(messageJSON(card))))

	reply, err := click(ctx, sf, demoAnalyst, card, "mde_approve")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n# The analyst, an approver too, clicks Approve on their own request:\n%s\n", indent(messageText(reply.Body)))
	if _, err := click(ctx, sf, demoLead, card, "mde_approve"); err != nil {
		return err
	}
	snap, err = sf.WaitFor(ctx, func(s *slackfake.Snapshot) bool {
		m, ok := s.Message(card.Channel, card.TS)
		return ok && len(m.History) > 1 && bytes.Contains(m.Blocks, []byte("Pending"))
	})
	if err != nil {
		return fmt.Errorf("demo: the card did not show the Defender action: %w", err)
	}
	updated, _ := snap.Message(card.Channel, card.TS)
	fmt.Fprintf(out, "\n# The lead approves; the card now shows the Defender action:\n%s\n", indent(messageText(messageJSON(updated))))
	return showAction(out, env, "Isolate", "isolation")
}

// showAction prints the Comment of the one action of type typ (what, in words) that Defender
// received; none or more than one is an error.
func showAction(out io.Writer, env *defendertest.Env, typ, what string) error {
	n := 0
	for _, a := range env.Fake.Actions() {
		if a.Type == typ {
			n++
			fmt.Fprintf(out, "\nDefender received one %s, comment: %q\n", what, a.RequestorComment)
		}
	}
	if n != 1 {
		return fmt.Errorf("demo: Defender has %d %ss, want 1", n, what)
	}
	return nil
}

// click presses a button of a channel message as user and returns the answer to that user.
func click(ctx context.Context, sf *slackfake.Fake, user string, m slackfake.Message, actionID string) (*slackfake.ResponsePost, error) {
	env, err := sf.BlockAction(ctx, slackfake.BlockAction{UserID: user, ChannelID: m.Channel, MessageTS: m.TS, ActionID: actionID})
	if err != nil {
		return nil, fmt.Errorf("demo: click %s: %w", actionID, err)
	}
	if _, err := sf.Ack(ctx, env.ID); err != nil {
		return nil, err
	}
	if user != demoAnalyst {
		return nil, nil
	}
	snap, err := sf.WaitFor(ctx, func(s *slackfake.Snapshot) bool { return len(s.ResponseURLPosts(env.ID)) > 0 })
	if err != nil {
		return nil, fmt.Errorf("demo: no answer to the click: %w", err)
	}
	return &snap.ResponseURLPosts(env.ID)[0], nil
}

func channelMessages(s *slackfake.Snapshot, channel string) []slackfake.Message {
	var out []slackfake.Message
	for _, m := range s.Messages {
		if m.Channel == channel && m.ThreadTS == "" {
			out = append(out, m)
		}
	}
	return out
}

// messageJSON puts a recorded message back in the shape of a chat.postMessage body.
func messageJSON(m slackfake.Message) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"text": m.Text, "blocks": rawOrNull(m.Blocks), "attachments": rawOrNull(m.Attachments)})
	return b
}

func rawOrNull(r json.RawMessage) json.RawMessage {
	if len(strings.TrimSpace(string(r))) == 0 {
		return json.RawMessage("null")
	}
	return r
}
