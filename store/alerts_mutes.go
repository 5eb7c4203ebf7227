package store

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Mutes live in one hash (a handful of entries, read whole once per poll): for each mute id,
// field "m:<id>" holds the mute as JSON, "u:<id>" its end (Unix ms, by the Redis server's
// clock, which wins over the JSON's) and "h:<id>" its hit count. The hash expires when its last
// mute ends; ended mutes are pruned whenever one is added, and never returned.

// Mute kinds.
const (
	MuteMachine = "machine"
	MuteTitle   = "title"
	MuteSHA1    = "sha1"
)

// Mute stops posting the alerts that match it until it ends.
type Mute struct {
	ID string `json:"id"`
	// Kind is MuteMachine, MuteTitle or MuteSHA1.
	Kind string `json:"kind"`
	// Value is what is matched: a device ID, a title (compared case-insensitively), a SHA-1.
	Value string `json:"value"`
	// Label is what to show for Value (a device name).
	Label   string    `json:"label,omitempty"`
	Reason  string    `json:"reason"`
	Creator string    `json:"creator"`
	Created time.Time `json:"created"`
	Until   time.Time `json:"until"`
	// Hits is how many alerts the mute kept from being posted; filled by Mutes.
	Hits int64 `json:"-"`
}

// addMuteScript stores a mute, prunes ended ones and keeps the hash alive until the last one
// ends. ARGV: id, json, duration (ms), clock (0: the server's TIME, see Store.clock). The end
// ("u:<id>") is the clock plus the duration, and ends are compared with the clock: a replica
// whose clock is far off can neither prune a live mute nor keep an ended one, nor make the hash
// outlive its mutes. Returns the end (ms).
const addMuteScript = srvClock + `
local k = KEYS[1]
local now = clock_ms(ARGV[4])
local ends = now + tonumber(ARGV[3])
local all = redis.call('HGETALL', k)
for i = 1, #all, 2 do
  if string.sub(all[i], 1, 2) == 'u:' and tonumber(all[i+1]) <= now then
    local id = string.sub(all[i], 3)
    redis.call('HDEL', k, 'm:' .. id, 'u:' .. id, 'h:' .. id)
  end
end
redis.call('HSET', k, 'm:' .. ARGV[1], ARGV[2], 'u:' .. ARGV[1], ends)
local ttl = redis.call('PTTL', k)
if ttl < 0 or ttl < tonumber(ARGV[3]) then
  redis.call('PEXPIRE', k, ARGV[3])
end
return ends`

// removeMuteScript deletes a mute and returns its JSON, or false when there is none.
const removeMuteScript = `
local v = redis.call('HGET', KEYS[1], 'm:' .. ARGV[1])
if not v then return false end
redis.call('HDEL', KEYS[1], 'm:' .. ARGV[1], 'u:' .. ARGV[1], 'h:' .. ARGV[1])
return v`

// muteHitScript counts hits of a mute that still exists. ARGV: id, n.
const muteHitScript = `
if redis.call('HEXISTS', KEYS[1], 'm:' .. ARGV[1]) == 1 then
  return redis.call('HINCRBY', KEYS[1], 'h:' .. ARGV[1], ARGV[2])
end
return 0`

func (s *Store) mutesKey() string { return s.key("mutes", "all") }

// NewMuteID returns a short random mute id such as "m7k2qf".
func NewMuteID() string {
	return "m" + strings.ToLower(rand.Text()[:5])
}

// AddMute stores m (giving it an id when it has none) until m.Until, and returns it.
func (s *Store) AddMute(ctx context.Context, m Mute, now time.Time) (Mute, error) {
	switch {
	case m.Kind != MuteMachine && m.Kind != MuteTitle && m.Kind != MuteSHA1:
		return m, fmt.Errorf("store: add mute: unknown kind %q", m.Kind)
	case m.Value == "":
		return m, fmt.Errorf("store: add mute: empty value")
	case !m.Until.After(now):
		return m, fmt.Errorf("store: add mute: it ends before it starts")
	}
	if m.ID == "" {
		m.ID = NewMuteID()
	}
	if m.Created.IsZero() {
		m.Created = now
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return m, fmt.Errorf("store: add mute: %w", err)
	}
	b := newPipeBatch(s.rdb)
	b.script(s.alertScripts.addMute, []string{s.mutesKey()}, m.ID, string(raw), m.Until.Sub(now).Milliseconds(), s.clock(now))
	if err := b.exec(ctx, "add mute"); err != nil {
		return m, err
	}
	ends, err := b.result(0).(*redis.Cmd).Int64()
	if err != nil {
		return m, wrap("add mute", err)
	}
	m.Until = time.UnixMilli(ends) // by the server's clock
	return m, nil
}

// Mutes returns the mutes that have not ended, with their hit counts, soonest end first. A
// mute's end is the one the server's clock set (AddMute), and whether it passed is read on the
// server's clock too (TIME, in the same round trip); now only for a store made
// WithCallerClockForTests.
func (s *Store) Mutes(ctx context.Context, now time.Time) ([]Mute, error) {
	var all *redis.MapStringStringCmd
	var srv *redis.TimeCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		all = p.HGetAll(ctx, s.mutesKey())
		if !s.callerClock {
			srv = p.Time(ctx)
		}
		return nil
	})
	if err != nil {
		return nil, wrap("mutes", err)
	}
	if srv != nil {
		now = srv.Val()
	}
	h := all.Val()
	var out []Mute
	for field, v := range h {
		id, ok := strings.CutPrefix(field, "m:")
		if !ok {
			continue
		}
		var m Mute
		if json.Unmarshal([]byte(v), &m) != nil {
			continue
		}
		if ends := msTime(h["u:"+id]); !ends.IsZero() {
			m.Until = ends
		}
		if !m.Until.After(now) {
			continue
		}
		m.ID = id
		m.Hits, _ = strconv.ParseInt(h["h:"+id], 10, 64)
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Until.Equal(out[j].Until) {
			return out[i].Until.Before(out[j].Until)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// RemoveMute deletes the mute with id and returns it; ErrNotFound when there is none.
func (s *Store) RemoveMute(ctx context.Context, id string) (Mute, error) {
	var m Mute
	if id == "" {
		return m, fmt.Errorf("store: remove mute: %w", ErrNotFound)
	}
	b := newPipeBatch(s.rdb)
	b.script(s.alertScripts.removeMute, []string{s.mutesKey()}, id)
	if err := b.exec(ctx, "remove mute"); err != nil {
		return m, err
	}
	v, err := b.result(0).(*redis.Cmd).Text()
	if err != nil {
		return m, wrap("remove mute", err)
	}
	if err := json.Unmarshal([]byte(v), &m); err != nil {
		return m, fmt.Errorf("store: remove mute: %w", err)
	}
	m.ID = id
	return m, nil
}
