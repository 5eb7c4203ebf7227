package reliability

import (
	"fmt"
	"strings"
	"time"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/bot/socket"
)

// finalAnswer is a command's answer other than the "Working on it" notes that a slow command
// shows first (bot/socket/progress.go), which answered counts.
func finalAnswer(sn *slackfake.Snapshot, envID string) (string, bool) {
	for _, p := range sn.ResponseURLPosts(envID) {
		if !strings.HasPrefix(p.Text, "Working on it") && !strings.Contains(string(p.Blocks), socket.ProgressBlockID) {
			return p.Text + string(p.Blocks), true
		}
	}
	if a, ok := sn.Ack(envID); ok && len(a.Payload) > 0 && string(a.Payload) != "null" {
		return string(a.Payload), true
	}
	return "", false
}

// finalCount is how many commands have their final answer, and of them how many are told to
// retry (an MDE budget spent or a timeout included).
type finalCount struct {
	sent, final, retry int
	took               time.Duration
}

func (f finalCount) String() string {
	return fmt.Sprintf("final answers %d of %d (of them told to retry %d), all in %s", f.final, f.sent, f.retry, f.took.Round(time.Second))
}

// waitFinal waits (at most d) until every command has its final answer: once all have, no
// command of the burst still waits for an MDE budget.
func (c *commander) waitFinal(d time.Duration) finalCount {
	start := time.Now()
	c.mu.Lock()
	ids := make([]string, 0, len(c.sent))
	for id := range c.sent {
		ids = append(ids, id)
	}
	c.mu.Unlock()
	ctx, cancel := contextWithTimeout(c.s.t, d)
	defer cancel()
	sn, _ := c.s.slack.WaitFor(ctx, func(sn *slackfake.Snapshot) bool {
		for _, id := range ids {
			if _, ok := finalAnswer(sn, id); !ok {
				return false
			}
		}
		return true
	})
	out := finalCount{sent: len(ids), took: time.Since(start)}
	for _, id := range ids {
		if text, ok := finalAnswer(sn, id); ok {
			out.final++
			if retryWords.MatchString(text) {
				out.retry++
			}
		}
	}
	return out
}
