package bot

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"golang.org/x/time/rate"
)

// alertPoster posts and edits channel messages (slack.Client).
type alertPoster interface {
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	UpdateMessageContext(ctx context.Context, channelID, timestamp string, options ...slack.MsgOption) (string, string, string, error)
}

// historyReader reads what the bot posted before (slack.Client), to find messages a poller that
// died posted without recording them.
type historyReader interface {
	GetConversationHistoryContext(ctx context.Context, params *slack.GetConversationHistoryParameters) (*slack.GetConversationHistoryResponse, error)
	GetConversationRepliesContext(ctx context.Context, params *slack.GetConversationRepliesParameters) ([]slack.Message, bool, string, error)
}

// AlertSlack is the part of the Slack Web API the alert poller uses (*slack.Client).
type AlertSlack interface {
	alertPoster
	historyReader
}

// errLostLead stops a poll: this replica is no longer sure to be the leader.
var errLostLead = errors.New("bot: alert poller lost the leadership")

// slackPacer spaces the calls to each channel (Slack allows about one message a second per
// channel, with short bursts) and waits out every 429 for as long as Slack asks, trying again:
// a rate limit delays a message, never loses it.
type slackPacer struct {
	every   rate.Limit
	burst   int
	sleep   func(ctx context.Context, d time.Duration) error
	mu      sync.Mutex
	limits  map[string]*rate.Limiter
	waits   []time.Duration // every Retry-After obeyed, for status and tests
	limited int64
}

func newSlackPacer(every rate.Limit, burst int, sleep func(context.Context, time.Duration) error) *slackPacer {
	return &slackPacer{every: every, burst: max(1, burst), sleep: sleep, limits: map[string]*rate.Limiter{}}
}

func (p *slackPacer) limiter(channel string) *rate.Limiter {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.limits[channel]
	if l == nil {
		l = rate.NewLimiter(p.every, p.burst)
		p.limits[channel] = l
	}
	return l
}

// minRetryAfter is the wait after a 429 that named none.
const minRetryAfter = time.Second

// do runs call against channel when the channel's pace allows and allowed() still holds,
// again after each 429. It returns the first other error, errLostLead when allowed() turned
// false, or ctx's error.
func (p *slackPacer) do(ctx context.Context, channel string, allowed func() bool, call func(ctx context.Context) error) error {
	lim := p.limiter(channel)
	for {
		if err := lim.Wait(ctx); err != nil {
			return err
		}
		if !allowed() {
			return errLostLead
		}
		err := call(ctx)
		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) {
			return err
		}
		wait := max(rl.RetryAfter, minRetryAfter)
		p.mu.Lock()
		p.limited++
		p.waits = append(p.waits, wait)
		p.mu.Unlock()
		if err := p.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// rateLimited returns how many 429s were waited out and the waits.
func (p *slackPacer) rateLimited() (int64, []time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.limited, slices.Clone(p.waits)
}

// permanentSlackErrors are answers after which trying again cannot help until something changes
// (the configuration, the channel, the alert).
func permanentSlackErrors() []string {
	return []string{"channel_not_found", "not_in_channel", "is_archived", "msg_too_long", "msg_blocks_too_long",
		"invalid_blocks", "invalid_attachments", "no_text", "too_many_attachments", "restricted_action",
		"restricted_action_read_only_channel", "restricted_action_thread_only_channel", "cannot_reply_to_message",
		"invalid_metadata_format", "invalid_metadata_schema", "metadata_too_large", "channel_is_archived",
		"team_access_not_granted", "ekm_access_denied", "access_denied", "not_allowed_token_type",
		"invalid_auth", "account_inactive", "token_revoked", "missing_scope"}
}

// slackCode returns Slack's error code for err, or "".
func slackCode(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	if err != nil && slices.Contains(permanentSlackErrors(), err.Error()) {
		return err.Error()
	}
	return ""
}

// permanent reports whether err is a Slack answer that trying again will not change.
func permanent(err error) bool {
	return slices.Contains(permanentSlackErrors(), slackCode(err))
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
