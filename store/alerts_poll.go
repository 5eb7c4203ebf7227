package store

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// The alert poller's watermark (the lastUpdateTime up to which every alert is handled) is the
// one key without a TTL: losing it would make the next start look back only
// MDEBOT_ALERT_LOOKBACK and miss what happened before. Its statistics (for the status command)
// expire a week after the last poll.
const pollStatsTTL = 7 * 24 * time.Hour

// commitPollScript writes the watermark and the statistics if the caller's epoch is still the
// current one. KEYS: epoch, watermark, stats. ARGV: epoch, watermark ("" keeps it), stats TTL
// (ms), number of HSET pairs n, n pairs, then HINCRBY pairs. Returns 1, or 0 when fenced out.
const commitPollScript = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] ~= '' then redis.call('SET', KEYS[2], ARGV[2]) end
local n = tonumber(ARGV[4])
local i = 5
for _ = 1, n do
  redis.call('HSET', KEYS[3], ARGV[i], ARGV[i+1])
  i = i + 2
end
while i < #ARGV do
  redis.call('HINCRBY', KEYS[3], ARGV[i], ARGV[i+1])
  i = i + 2
end
redis.call('PEXPIRE', KEYS[3], ARGV[3])
return 1`

// PollStats describes one poll (or, from PollStatus, the totals since the statistics began).
type PollStats struct {
	Leader   string
	Epoch    int64
	At       time.Time // when the poll ended
	Duration time.Duration
	// Watermark is the lastUpdateTime every alert up to which is handled.
	Watermark time.Time
	// Counts: alerts read from MDE, posted as their own message, listed in a storm digest,
	// edited in place, not posted because a mute matched, with no channel to go to, refused by
	// Slack for good, and left for the next poll (claimed elsewhere, or failed for now).
	Seen, Posted, Digested, Updated, Muted, Unrouted, Failed, Deferred int64
	// Below counts the alerts read that were not posted anywhere because their severity is
	// under the minimum (MDEBOT_ALERT_MIN_SEVERITY).
	Below int64
	// Held counts the notifications left for the next poll because Slack refused their channel
	// or the bot's token (not in the channel, archived, token revoked, a scope missing ...):
	// they are kept, and the watermark with them, until someone fixes it.
	Held int64
	// Refused names those channels with Slack's error code ("C0123ABC not_in_channel"), or "".
	Refused string
	// MDECalls is how many MDE requests the poll made.
	MDECalls int64
	// Error is why the poll stopped early, or "".
	Error string
	// LastOK is when the last poll without an error ended (read by PollStatus).
	LastOK time.Time
}

func (s *Store) watermarkKey(name string) string { return s.key("alert-watermark", hashTag(name)) }
func (s *Store) pollStatsKey(name string) string { return s.key("alert-poll-stats", hashTag(name)) }

// AlertWatermark returns the watermark of poller name, or ErrNotFound before the first poll.
func (s *Store) AlertWatermark(ctx context.Context, name string) (time.Time, error) {
	v, err := s.rdb.Get(ctx, s.watermarkKey(name)).Result()
	if err != nil {
		return time.Time{}, wrap("alert watermark", err)
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, wrap("alert watermark", err)
	}
	return t, nil
}

// CommitPoll records a poll's new watermark (unless it is zero) and statistics (whose Watermark
// is the one shown by the status command), if l is still the leader; otherwise it writes
// nothing and returns ErrNotLeader.
func (s *Store) CommitPoll(ctx context.Context, l *Leader, watermark time.Time, st PollStats) error {
	wm := ""
	if !watermark.IsZero() {
		wm = watermark.UTC().Format(time.RFC3339Nano)
	}
	shown := ""
	if !st.Watermark.IsZero() {
		shown = st.Watermark.UTC().Format(time.RFC3339Nano)
	}
	last := []any{
		"leader", st.Leader, "epoch", strconv.FormatInt(l.epoch, 10), "at", st.At.UnixMilli(),
		"duration_ms", st.Duration.Milliseconds(), "watermark", shown, "error", st.Error, "refused", st.Refused,
	}
	if st.Error == "" {
		last = append(last, "ok_at", st.At.UnixMilli())
	}
	counts := st.counts()
	for _, c := range counts {
		last = append(last, c.name, c.n)
	}
	args := []any{strconv.FormatInt(l.epoch, 10), wm, pollStatsTTL.Milliseconds(), len(last) / 2}
	args = append(args, last...)
	for _, c := range counts {
		args = append(args, "total_"+c.name, c.n)
	}
	keys := []string{s.epochKey(l.name), s.watermarkKey(l.name), s.pollStatsKey(l.name)}
	b := newPipeBatch(s.rdb)
	b.script(s.alertScripts.commitPoll, keys, args...)
	if err := b.exec(ctx, "commit poll"); err != nil {
		return err
	}
	n, err := b.result(0).(*redis.Cmd).Int()
	if err != nil {
		return wrap("commit poll", err)
	}
	if n == 0 {
		return ErrNotLeader
	}
	return nil
}

type namedCount struct {
	name string
	n    int64
}

func (st PollStats) counts() []namedCount {
	return []namedCount{{"seen", st.Seen}, {"posted", st.Posted}, {"digested", st.Digested},
		{"updated", st.Updated}, {"muted", st.Muted}, {"unrouted", st.Unrouted}, {"failed", st.Failed},
		{"deferred", st.Deferred}, {"below", st.Below}, {"held", st.Held}, {"mde_calls", st.MDECalls}}
}

// PollStatus returns the last poll of poller name and the totals since the statistics began;
// ErrNotFound when no poll ran in the last week.
func (s *Store) PollStatus(ctx context.Context, name string) (last, total PollStats, err error) {
	h, err := s.rdb.HGetAll(ctx, s.pollStatsKey(name)).Result()
	if err != nil {
		return last, total, wrap("poll status", err)
	}
	if len(h) == 0 {
		return last, total, wrap("poll status", redis.Nil)
	}
	num := func(k string) int64 { n, _ := strconv.ParseInt(h[k], 10, 64); return n }
	last = PollStats{Leader: h["leader"], Epoch: num("epoch"), At: msTime(h["at"]),
		Duration: time.Duration(num("duration_ms")) * time.Millisecond, Error: h["error"], Refused: h["refused"],
		LastOK: msTime(h["ok_at"])}
	if wm, err := time.Parse(time.RFC3339Nano, h["watermark"]); err == nil {
		last.Watermark = wm
	}
	fill := func(st *PollStats, prefix string) {
		for _, p := range []struct {
			name string
			dst  *int64
		}{{"seen", &st.Seen}, {"posted", &st.Posted}, {"digested", &st.Digested}, {"updated", &st.Updated},
			{"muted", &st.Muted}, {"unrouted", &st.Unrouted}, {"failed", &st.Failed}, {"deferred", &st.Deferred},
			{"below", &st.Below}, {"held", &st.Held}, {"mde_calls", &st.MDECalls}} {
			*p.dst = num(prefix + p.name)
		}
	}
	fill(&last, "")
	fill(&total, "total_")
	return last, total, nil
}
