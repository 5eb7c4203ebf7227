package store

import (
	"context"
	"errors"
	"strings"

	"github.com/redis/go-redis/v9"
)

// pipeBatch queues commands and scripts and sends them pipelined, one round trip per
// pipeWeight (see there). Scripts go as EVALSHA; when the server does not know a script (it restarted
// and lost its script cache) those calls are sent again as EVAL in a second pipeline, so a
// restart costs one extra round trip and no error.
type pipeBatch struct {
	rdb     redis.UniversalClient
	entries []pipeEntry
}

// pipeEntry is one queued command: a script call, or a plain command built by fn.
type pipeEntry struct {
	script *redis.Script
	keys   []string
	args   []any
	fn     func(ctx context.Context, p redis.Pipeliner) redis.Cmder
	cmd    redis.Cmder
	weight int // see pipeWeight
}

func newPipeBatch(rdb redis.UniversalClient) *pipeBatch { return &pipeBatch{rdb: rdb} }

// script queues a script call and returns its index.
func (b *pipeBatch) script(s *redis.Script, keys []string, args ...any) int {
	return b.weighted(s, keys, scriptKeyWeight*len(keys), args...)
}

// weighted queues a script call that weighs weight (see pipeWeight) and returns its index.
func (b *pipeBatch) weighted(s *redis.Script, keys []string, weight int, args ...any) int {
	b.entries = append(b.entries, pipeEntry{script: s, keys: keys, args: args, weight: weight})
	return len(b.entries) - 1
}

// cmd queues a plain command and returns its index.
func (b *pipeBatch) cmd(fn func(ctx context.Context, p redis.Pipeliner) redis.Cmder) int {
	b.entries = append(b.entries, pipeEntry{fn: fn, weight: 1})
	return len(b.entries) - 1
}

// len is how many commands are queued.
func (b *pipeBatch) len() int { return len(b.entries) }

// exec sends everything. It returns an error only when the pipeline itself failed (Redis
// unreachable); per-command errors, redis.Nil included, are read from each result.
func (b *pipeBatch) exec(ctx context.Context, op string) error {
	if len(b.entries) == 0 {
		return nil
	}
	if err := b.run(ctx, func(p redis.Pipeliner, e *pipeEntry) redis.Cmder {
		if e.script != nil {
			return e.script.EvalSha(ctx, p, e.keys, e.args...)
		}
		return e.fn(ctx, p)
	}, b.all()); err != nil {
		return wrap(op, err)
	}
	var missing []int
	for i := range b.entries {
		if b.entries[i].script != nil && isNoScript(b.entries[i].cmd.Err()) {
			missing = append(missing, i)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return wrap(op, b.run(ctx, func(p redis.Pipeliner, e *pipeEntry) redis.Cmder {
		return e.script.Eval(ctx, p, e.keys, e.args...)
	}, missing))
}

func (b *pipeBatch) all() []int {
	idx := make([]int, len(b.entries))
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// pipeWeight bounds one pipeline (a command weighs 1, a script call scriptKeyWeight per key),
// so that a storm of alerts never makes one reply that takes longer than the client's read
// timeout (the embedded server spends time proportional to its number of keys on every
// command). A poll costs one round trip per 256 records read and per 64 claimed or confirmed,
// never one per alert.
const pipeWeight = 256

// scriptKeyWeight is the weight of one key of a script call: the scripts run three or four
// commands per key.
const scriptKeyWeight = 4

// run sends the entries at idx in pipelines of at most pipeWeight and stores each result on
// its entry.
func (b *pipeBatch) run(ctx context.Context, build func(redis.Pipeliner, *pipeEntry) redis.Cmder, idx []int) error {
	for len(idx) > 0 {
		n, w := 0, 0
		for n < len(idx) {
			w += max(1, b.entries[idx[n]].weight)
			if n > 0 && w > pipeWeight {
				break
			}
			n++
		}
		if err := b.runOne(ctx, build, idx[:n]); err != nil {
			return err
		}
		idx = idx[n:]
	}
	return nil
}

func (b *pipeBatch) runOne(ctx context.Context, build func(redis.Pipeliner, *pipeEntry) redis.Cmder, idx []int) error {
	pipe := b.rdb.Pipeline()
	for _, i := range idx {
		b.entries[i].cmd = build(pipe, &b.entries[i])
	}
	_, err := pipe.Exec(ctx)
	if err == nil || errors.Is(err, redis.Nil) {
		return nil
	}
	// Exec returns the first failed command's error; only a failure of the connection (every
	// command failed the same way) is the batch's error, the rest are read per command.
	if IsUnavailable(err) || errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// result returns the command at index i.
func (b *pipeBatch) result(i int) redis.Cmder { return b.entries[i].cmd }

// isNoScript reports whether err is Redis saying it does not know a script's SHA.
func isNoScript(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT")
}
