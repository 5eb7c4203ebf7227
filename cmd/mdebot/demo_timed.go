package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/defender/defendertest"
	"github.com/mdebot/mdebot/defender/mdefake"
)

// demoSweepEvery is the demo's sweeper interval: time is compressed (the demo moves the shared
// clock of the workflow and the Defender fake by hand), so the sweeper looks often.
const demoSweepEvery = 100 * time.Millisecond

// showTimed plays a time-boxed isolation: requested for 30 minutes, approved, the reminder 15
// minutes before the end, and the release at the end, with the clock moved by hand.
func showTimed(ctx context.Context, out io.Writer, sf *slackfake.Fake, env *defendertest.Env) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	st := demoStep{say: "A time-boxed isolation: released on time under the same approval (the demo compresses time).",
		text: "isolate " + mdefake.DemoBob + " for 30m contain while we look at the phishing click"}
	post, err := playStep(ctx, sf, st, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n# %s\n> /mde %s\n%s\n", st.say, st.text, indent(messageText(post.Body)))
	var card slackfake.Message
	if _, err := sf.WaitFor(ctx, func(s *slackfake.Snapshot) bool {
		for _, m := range channelMessages(s, demoApproval) {
			if bytes.Contains(m.Blocks, []byte("Time-boxed")) {
				card = m
				return true
			}
		}
		return false
	}); err != nil {
		return fmt.Errorf("demo: no card for the time-boxed isolation: %w", err)
	}
	if _, err := click(ctx, sf, demoLead, card, "mde_approve"); err != nil {
		return err
	}
	updated, err := waitCard(ctx, sf, card, "Isolated until")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n# The lead approves; the card shows the end:\n%s\n", indent(messageText(messageJSON(updated))))

	env.Fake.Advance(15 * time.Minute)
	snap, err := sf.WaitFor(ctx, func(s *slackfake.Snapshot) bool { return threadReply(s, card, "mde_extend") != nil })
	if err != nil {
		return fmt.Errorf("demo: no reminder: %w", err)
	}
	fmt.Fprintf(out, "\n# 15 minutes later (compressed), the reminder in the card's thread, with Extend 4h and Release now:\n%s\n",
		indent(messageText(messageJSON(*threadReply(snap, card, "mde_extend")))))

	env.Fake.Advance(15 * time.Minute)
	if updated, err = waitCard(ctx, sf, card, "Released on time"); err != nil {
		return err
	}
	fmt.Fprintf(out, "\n# At the end, one replica sends the release and the card follows it:\n%s\n", indent(messageText(messageJSON(updated))))
	return showAction(out, env, "Unisolate", "release")
}

// waitCard waits until the card's blocks contain want and returns it.
func waitCard(ctx context.Context, sf *slackfake.Fake, card slackfake.Message, want string) (slackfake.Message, error) {
	snap, err := sf.WaitFor(ctx, func(s *slackfake.Snapshot) bool {
		m, ok := s.Message(card.Channel, card.TS)
		return ok && bytes.Contains(m.Blocks, []byte(want))
	})
	if err != nil {
		return slackfake.Message{}, fmt.Errorf("demo: the card did not show %q: %w", want, err)
	}
	m, _ := snap.Message(card.Channel, card.TS)
	return m, nil
}

// threadReply is the first reply under card whose blocks or text contain want.
func threadReply(s *slackfake.Snapshot, card slackfake.Message, want string) *slackfake.Message {
	for _, m := range s.Messages {
		if m.Channel == card.Channel && m.ThreadTS == card.TS && (bytes.Contains(m.Blocks, []byte(want)) || bytes.Contains([]byte(m.Text), []byte(want))) {
			return &m
		}
	}
	return nil
}
