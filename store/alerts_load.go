package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"
)

// loadScript reads many keys in one call. ARGV[i] says how to read KEYS[i]: "h" HGETALL, "s"
// SMEMBERS, "g" GET. Returns, per key, a list: the hash as flat pairs, the members, or the
// string alone ({} when the key is missing), so that no reply is a Lua false (which RESP2 and
// RESP3 turn into different things).
const loadScript = `
local out = {}
for i, k in ipairs(KEYS) do
  local how = ARGV[i]
  if how == 'h' then
    out[i] = redis.call('HGETALL', k)
  elseif how == 's' then
    out[i] = redis.call('SMEMBERS', k)
  else
    local v = redis.call('GET', k)
    if v then out[i] = {v} else out[i] = {} end
  end
end
return out`

// loadKeysPerCall bounds one load call: a read is one command per key, so a call weighs its
// number of keys (see pipeWeight).
const loadKeysPerCall = pipeWeight

// loadRead is one key to read and where its answer goes.
type loadRead struct {
	key, how string
	set      func(v []any)
}

// LoadAlertState reads the notifications, incident threads, mute markers and channel lists of
// q: one script call per hash slot (a channel's records and incident threads share one, the
// channel lists and mute markers another) and per loadKeysPerCall keys, all pipelined. A
// trickle of alerts in one channel is read with two commands in one round trip, whatever the
// number of alerts.
func (s *Store) LoadAlertState(ctx context.Context, q AlertStateQuery) (AlertState, error) {
	out := AlertState{Messages: map[AlertKey]AlertMessage{}, Incidents: map[IncidentKey]IncidentThread{},
		Muted: map[string]string{}, Channels: map[string][]string{}}
	reads := make([]loadRead, 0, len(q.Messages)+len(q.Incidents)+len(q.Muted)+len(q.Channels))
	for _, k := range q.Messages {
		reads = append(reads, loadRead{s.alertMsgKey(k), "h", func(v []any) {
			if len(v) > 0 {
				out.Messages[k] = parseAlertMessage(flatPairs(v))
			}
		}})
	}
	for _, k := range q.Incidents {
		reads = append(reads, loadRead{s.alertIncidentKey(k), "g", func(v []any) {
			if len(v) == 1 {
				out.Incidents[k] = parseIncidentThread(str(v[0]))
			}
		}})
	}
	for _, id := range q.Muted {
		reads = append(reads, loadRead{s.alertMutedKey(id), "g", func(v []any) {
			if len(v) == 1 {
				out.Muted[id] = str(v[0])
			}
		}})
	}
	for _, id := range q.Channels {
		reads = append(reads, loadRead{s.alertChannelsKey(id), "s", func(v []any) {
			if len(v) > 0 {
				chans := make([]string, len(v))
				for i, c := range v {
					chans[i] = str(c)
				}
				slices.Sort(chans)
				out.Channels[id] = chans
			}
		}})
	}
	calls := bySlot(reads, loadKeysPerCall)
	b := newPipeBatch(s.rdb)
	for _, call := range calls {
		keys, args := make([]string, len(call)), make([]any, len(call))
		for j, i := range call {
			keys[j], args[j] = reads[i].key, reads[i].how
		}
		b.weighted(s.alertScripts.load, keys, len(keys), args...)
	}
	if err := b.exec(ctx, "load alert state"); err != nil {
		return out, err
	}
	for c, call := range calls {
		v, err := b.result(c).(*redis.Cmd).Slice()
		if err != nil || len(v) != len(call) {
			return out, wrap("load alert state", fmt.Errorf("unexpected reply: %w", err))
		}
		for j, i := range call {
			list, _ := v[j].([]any)
			reads[i].set(list)
		}
	}
	return out, nil
}

// bySlot splits reads into script calls whose keys share a hash tag (and so a Cluster slot),
// at most per keys each, in the order given.
func bySlot(reads []loadRead, per int) [][]int {
	var calls [][]int
	open := map[string]int{}
	for i, r := range reads {
		tag := hashTagOf(r.key)
		c, ok := open[tag]
		if !ok || len(calls[c]) == per {
			c = len(calls)
			calls = append(calls, nil)
			open[tag] = c
		}
		calls[c] = append(calls[c], i)
	}
	return calls
}

// hashTagOf is the part of key Redis Cluster hashes: the text between the first '{' and the
// next '}' when it is not empty, else the whole key.
func hashTagOf(key string) string {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			return key[i+1 : i+1+j]
		}
	}
	return key
}

// str is a script reply element as a string.
func str(v any) string {
	s, _ := v.(string)
	return s
}
