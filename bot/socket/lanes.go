package socket

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mdebot/mdebot/commands"
)

// Lane names a pool of workers with its own queue. Work goes to a lane by what it is, so that a
// click never waits behind a look-up and a hunt never holds a worker a click needs.
type Lane int

// The lanes, in the order status shows them.
const (
	// Interactive runs clicks, modal submissions, approvals and executions: the verbs that ask for
	// an approval and every registered button or modal handler.
	Interactive Lane = iota
	// Lookups runs the read-only commands.
	Lookups
	// Slow runs the commands allowed more than commands.DefaultTimeout (advanced hunting).
	Slow
	numLanes
)

// String is the lane's name in status and logs.
func (l Lane) String() string {
	switch l {
	case Interactive:
		return "interactive"
	case Lookups:
		return "lookups"
	case Slow:
		return "slow"
	}
	return fmt.Sprintf("lane(%d)", int(l))
}

// LaneOptions size one lane. Zero values take the lane's defaults.
type LaneOptions struct {
	// Workers run the lane's requests concurrently.
	Workers int
	// Queue is how many requests may wait for one of the lane's workers; beyond it the user is
	// told the lane is full.
	Queue int
	// PerUser is how many requests one user may have in the lane at once (waiting or running);
	// beyond it the user is told the limit. Negative: no limit.
	PerUser int
}

// laneDefaults are sized for a SOC of a few dozen people: clicks are short (an approval and one
// Defender call), look-ups a few Defender calls, a hunt up to minutes (MDE lets a query run for
// 200 s), so the slow lane is small and cannot take the workers of the others.
var laneDefaults = [numLanes]LaneOptions{
	Interactive: {Workers: 8, Queue: 256, PerUser: 5},
	Lookups:     {Workers: 16, Queue: 512, PerUser: 3},
	Slow:        {Workers: 4, Queue: 32, PerUser: 2},
}

func (o LaneOptions) withDefaults(l Lane) LaneOptions {
	d := laneDefaults[l]
	if o.Workers <= 0 {
		o.Workers = d.Workers
	}
	if o.Queue <= 0 {
		o.Queue = d.Queue
	}
	if o.PerUser == 0 {
		o.PerUser = d.PerUser
	}
	return o
}

// lane is one pool: a bounded queue and its workers.
type lane struct {
	name Lane
	opts LaneOptions
	jobs chan job
	// busy counts the workers running a job; lastStart is when one last picked up a job.
	busy      atomic.Int32
	lastStart atomic.Int64
}

// LaneDepth is how many requests wait in lane l for a worker.
func (b *Bot) LaneDepth(l Lane) int { return len(b.lanes[l].jobs) }

// LaneBusy is how many of lane l's workers are running a request.
func (b *Bot) LaneBusy(l Lane) int { return int(b.lanes[l].busy.Load()) }

// LaneStats describes every lane, for status.
func (b *Bot) LaneStats() []commands.LaneStat {
	out := make([]commands.LaneStat, 0, numLanes)
	for _, ln := range b.lanes {
		out = append(out, commands.LaneStat{Name: ln.name.String(), Waiting: len(ln.jobs), Queue: ln.opts.Queue,
			Busy: int(ln.busy.Load()), Workers: ln.opts.Workers})
	}
	return out
}

// startWorkers runs every lane's workers until its queue is closed; wg counts them.
func (b *Bot) startWorkers(ctx context.Context, wg *sync.WaitGroup) {
	for _, ln := range b.lanes {
		for range ln.opts.Workers {
			wg.Go(func() {
				for j := range ln.jobs {
					b.work(ctx, ln, j)
				}
			})
		}
	}
}

// closeLanes closes every queue, once, at shutdown.
func (b *Bot) closeLanes() {
	for _, ln := range b.lanes {
		close(ln.jobs)
	}
}

// work runs one job with a deadline, counts the lane's busy workers, gives the user's slot back,
// and survives a panic in it: the request is logged with its reference and the bot goes on.
func (b *Bot) work(ctx context.Context, ln *lane, j job) {
	ln.busy.Add(1)
	ln.lastStart.Store(b.opts.Now().UnixNano())
	defer ln.busy.Add(-1)
	defer b.limits.done(j.req.UserID, ln.name)
	defer func() {
		if r := recover(); r != nil {
			b.log.Error("request panicked", "ref", j.req.Ref, "user", j.req.UserID, "lane", ln.name.String(), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, b.opts.JobTimeout)
	defer cancel()
	b.runJob(ctx, j)
}

// Stalled reports whether the interactive or the look-up lane has had every worker busy, with
// requests waiting, for longer than max: the bot is up but answers nobody, which readiness should
// show. A full slow lane is not a stall: hunts run for minutes and the other lanes still answer.
func (b *Bot) Stalled(max time.Duration) bool {
	for _, ln := range b.lanes[:Slow] {
		if int(ln.busy.Load()) < ln.opts.Workers || len(ln.jobs) == 0 {
			continue
		}
		if b.opts.Now().Sub(time.Unix(0, ln.lastStart.Load())) > max {
			return true
		}
	}
	return false
}

// laneOf is the lane of a command typed or clicked as text: hunting (a verb allowed longer than
// the default timeout) is slow, a verb that asks for an approval is interactive, the rest are
// look-ups. Text that names no verb is a look-up (it gets its help or error there).
func (b *Bot) laneOf(text string) Lane {
	toks, err := commands.Tokens(text)
	if err != nil || len(toks) == 0 {
		return Lookups
	}
	v, ok := b.router.Registry().Lookup(toks[0].Text)
	switch {
	case !ok:
		return Lookups
	case v.Timeout > commands.DefaultTimeout:
		return Slow
	case v.Approval:
		return Interactive
	}
	return Lookups
}
