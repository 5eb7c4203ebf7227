package alerts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/store"
)

// Probe is the status command's check of the alert poller: who leads, when it last polled, what
// it did, and its share of the MDE rate limit. Any replica answers from the statistics the
// leader keeps in Redis.
func (p *Poller) Probe() commands.Probe {
	return commands.Probe{Name: "Alert poller", Check: p.status}
}

func (p *Poller) status(ctx context.Context) (string, error) {
	now := p.opts.Now()
	leader, err := p.st.LeaderOf(ctx, PollerName)
	switch {
	case errors.Is(err, store.ErrNotFound):
		leader = ""
	case err != nil:
		return "", errors.New("Redis cannot be read")
	}
	last, total, err := p.st.PollStatus(ctx, PollerName)
	if errors.Is(err, store.ErrNotFound) {
		if leader == "" {
			return "", errors.New("no replica leads the poller yet")
		}
		return "led by " + p.who(leader) + "; no poll has finished yet", nil
	}
	if err != nil {
		return "", errors.New("Redis cannot be read")
	}
	// The status line shows at most 300 characters: keep it dense.
	var parts []string
	if leader == "" {
		parts = append(parts, "no leader now")
	} else {
		parts = append(parts, "leader "+commands.Truncate(p.who(leader), 70))
	}
	parts = append(parts, fmt.Sprintf("polled %s ago in %s", humanWait(now.Sub(last.At)), humanWait(last.Duration)))
	if !last.Watermark.IsZero() {
		parts = append(parts, "done up to "+last.Watermark.UTC().Format("01-02 15:04:05 UTC"))
	}
	parts = append(parts, fmt.Sprintf("last: %d read, %d posted, %d digested, %d edited, %d muted, %d unrouted, %d below min, %d refused, %d left, %d held",
		last.Seen, last.Posted, last.Digested, last.Updated, last.Muted, last.Unrouted, last.Below, last.Failed, last.Deferred, last.Held))
	budget := ""
	if p.budget.perMin > 0 {
		budget = fmt.Sprintf(", budget %d/min", p.budget.perMin)
	}
	parts = append(parts, fmt.Sprintf("MDE calls %d (%d in all%s)", last.MDECalls, total.MDECalls, budget))
	if n, _ := p.pacer.RateLimited(); n > 0 {
		parts = append(parts, fmt.Sprintf("Slack 429s waited out: %d", n))
	}
	detail := strings.Join(parts, " · ")
	switch {
	case last.Error != "":
		return "", fmt.Errorf("last poll failed: %s; %s", commands.Plain(last.Error, 80), detail)
	case last.Refused != "":
		// Alerts wait (and the watermark with them) until someone fixes the channel or token.
		return "", fmt.Errorf("Slack refuses alert posts (%s): %d wait until the bot is invited back or its token and scopes are fixed; %s",
			commands.Plain(last.Refused, 100), last.Held, detail)
	case now.Sub(last.LastOK) > 3*p.opts.Interval+p.opts.LockTTL:
		return "", fmt.Errorf("no good poll for %s; %s", humanWait(now.Sub(last.LastOK)), detail)
	}
	return detail, nil
}

// who names a replica, marking this one.
func (p *Poller) who(owner string) string {
	if owner == p.opts.Owner {
		return owner + " (here)"
	}
	return owner
}

// humanWait rounds a duration for reading: 850ms, 12s, 3m4s.
func humanWait(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
