package slackfake_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/mdebot/mdebot/bot/slackfake"
)

// testClock is a clock a test moves by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// With Slack's pace on, a channel takes a burst, then about one message a second: the post
// beyond it gets a 429 whose Retry-After says when to come back, and takes nothing; other
// channels keep their own pace. A fake without the pace posts all of them.
func TestPaceRefusesPostsBeyondOnePerSecondPerChannel(t *testing.T) {
	t.Parallel()
	clock := &testClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	f := slackfake.New(t, slackfake.Options{PostsPerSecond: 1, PostBurst: 3, Now: clock.Now})
	api := slack.New(f.BotToken(), slack.OptionAPIURL(f.APIURL()))
	ctx := waitCtx(t)
	post := func(ch string) error {
		_, _, err := api.PostMessageContext(ctx, ch, slack.MsgOptionText("x", false))
		return err
	}
	for i := range 3 {
		if err := post("C1"); err != nil {
			t.Fatalf("post %d of the burst: %v", i+1, err)
		}
	}
	err := post("C1")
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != time.Second {
		t.Fatalf("fourth post at once = %v; want a 429 with Retry-After 1s", err)
	}
	if err := post("C2"); err != nil {
		t.Fatalf("another channel: %v", err)
	}
	clock.Add(999 * time.Millisecond)
	if err := post("C1"); !errors.As(err, &rl) {
		t.Fatalf("post before the second is over = %v; want a 429", err)
	}
	clock.Add(time.Millisecond)
	if err := post("C1"); err != nil {
		t.Fatalf("post a second later: %v", err)
	}
	if n := f.Paced(); n != 2 {
		t.Errorf("Paced = %d; want 2", n)
	}
	if got := len(f.Snapshot().Messages); got != 5 {
		t.Errorf("%d messages recorded; want 5 (refused posts leave nothing)", got)
	}
}

// A section's text over 3,000 characters, or a message of more than 50 blocks, is refused as
// invalid_blocks, as Slack does.
func TestSectionAndBlockLimits(t *testing.T) {
	t.Parallel()
	f, api := newAPI(t)
	ctx := waitCtx(t)
	section := func(n int) slack.Block {
		return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, strings.Repeat("é", n), false, false), nil, nil)
	}
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionBlocks(section(3000))); err != nil {
		t.Fatalf("a section of 3,000 characters: %v", err)
	}
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionBlocks(section(3001))); err == nil || err.Error() != "invalid_blocks" {
		t.Errorf("a section of 3,001 characters = %v; want invalid_blocks", err)
	}
	blocks := make([]slack.Block, 51)
	for i := range blocks {
		blocks[i] = section(10)
	}
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionBlocks(blocks...)); err == nil || err.Error() != "invalid_blocks" {
		t.Errorf("51 blocks = %v; want invalid_blocks", err)
	}
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionBlocks(blocks[:50]...)); err != nil {
		t.Errorf("50 blocks: %v", err)
	}
	if n := len(f.Snapshot().Messages); n != 2 {
		t.Errorf("%d messages recorded; want 2", n)
	}
}
