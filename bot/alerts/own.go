package alerts

import (
	"context"
	"fmt"
	"sync"

	"github.com/slack-go/slack"
)

// ownIdentity is who the bot is in Slack, learned once from auth.test (user_id, the bot user, and
// bot_id, docs.slack.dev/reference/methods/auth.test). Reconciliation trusts a message's metadata
// only when this bot posted it: any app can post a message with the same event_type and payload,
// and another app's look-alike must never make the poller believe an alert is shown.
type ownIdentity struct {
	mu            sync.Mutex
	userID, botID string
}

// ownIDs returns the bot's user and bot ids, asking Slack the first time (and again after a
// failure).
func (d *delivery) ownIDs(ctx context.Context) (userID, botID string, err error) {
	me := &d.r.p.me
	me.mu.Lock()
	defer me.mu.Unlock()
	if me.botID != "" {
		return me.userID, me.botID, nil
	}
	var res *slack.AuthTestResponse
	if _, err := d.send(ctx, func(ctx context.Context) error {
		var err error
		res, err = d.r.p.slack.AuthTestContext(ctx)
		return err
	}); err != nil {
		return "", "", fmt.Errorf("auth.test: %w", err)
	}
	if res.BotID == "" {
		return "", "", fmt.Errorf("auth.test named no bot_id: SLACK_BOT_TOKEN is not a bot token")
	}
	me.userID, me.botID = res.UserID, res.BotID
	return me.userID, me.botID, nil
}

// postedBy reports whether the bot (userID, botID) posted m: its bot_id, and its bot user when
// the message names a user.
func postedBy(m slack.Message, userID, botID string) bool {
	return m.BotID == botID && (m.User == "" || m.User == userID)
}
