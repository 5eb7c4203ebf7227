package main

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/mdebot/mdebot/bot/render"
	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/store/storetest"
	"github.com/redis/go-redis/v9"
)

// failCardHook fails the one Redis call that records where a card was posted (the card script
// is the only call given the approval channel's id).
type failCardHook struct{}

func (failCardHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (failCardHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if n := cmd.Name(); (n == "evalsha" || n == "eval") && slices.Contains(cmd.Args(), any(cardChan)) {
			err := errors.New("injected: card not recorded")
			cmd.SetErr(err)
			return err
		}
		return next(ctx, cmd)
	}
}
func (failCardHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// When the card's place cannot be recorded, every click on it would be refused (clicks are bound
// to their card), so the request is withdrawn and the card says so. It used to stay open with a
// card whose clicks were taken without any check against it.
func TestRequestWithdrawnWhenCardNotRecorded(t *testing.T) {
	t.Parallel()
	rdb := storetest.Servers(t)[0].Client
	rdb.AddHook(failCardHook{})
	s := startApprovals(t, apOptions{redis: rdb})
	env, err := s.slack.SlashCommand(t.Context(), slackfake.SlashCommand{UserID: resp, ChannelID: "C0SOC", Text: "isolate laptop-alice.contoso.com beaconing"})
	if err != nil {
		t.Fatal(err)
	}
	snap := s.wait(t, "the answer", func(sn *slackfake.Snapshot) bool { return len(sn.ResponseURLPosts(env.ID)) > 0 })
	if reply := snap.ResponseURLPosts(env.ID)[0].Text; !strings.Contains(reply, "withdrawn") {
		t.Errorf("requester told %q", reply)
	}
	id := requestID.FindString(snap.ResponseURLPosts(env.ID)[0].Text)
	c := card{id: id}
	snap = s.wait(t, "the withdrawn card", func(sn *slackfake.Snapshot) bool {
		c.ts = s.findCard(sn, id)
		return c.ts != ""
	})
	s.waitCard(t, c, "was withdrawn")
	click := s.click(t, lead, c, render.ActionApprove, id)
	if ans := s.answer(t, click); !strings.Contains(ans, "Nothing was done") {
		t.Errorf("a click on the withdrawn card: %q", ans)
	}
	if n := len(s.actionPosts("/isolate")); n != 0 {
		t.Errorf("%d isolate calls", n)
	}
}
