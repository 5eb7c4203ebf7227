package store

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// BudgetBucket is a token bucket: Burst calls at once, then one more every Every.
type BudgetBucket struct {
	Burst int
	Every time.Duration
}

// BudgetWindow is one window of a budget: the part every call takes, and the reserve that
// only approved actions take (a zero Burst: none).
type BudgetWindow struct {
	Shared, Reserve BudgetBucket
}

// Budgets are the rate budgets of one API (MDE, Graph) that every replica sharing this Redis
// takes its calls from: MDE's limits hold per application and tenant, so replicas of one
// Entra app must spend one budget, not one each. Each take is one script call (one round
// trip) over every window of a family. It implements defender.SharedBudget.
type Budgets struct {
	s       *Store
	api     string
	plan    map[string][]BudgetWindow
	replica string
	now     func() time.Time // nil: the Redis server's TIME
	take    *redis.Script
	levels  *redis.Script
	pause   *redis.Script
}

// Budgets returns the shared budgets of api ("mde", "graph"), whose families (by name) have the
// windows of plan; a family not in plan has no limit.
func (s *Store) Budgets(api string, plan map[string][]BudgetWindow) *Budgets {
	return &Budgets{s: s, api: api, plan: plan, replica: rand.Text(),
		take: redis.NewScript(budgetTakeScript), levels: redis.NewScript(budgetLevelsScript), pause: redis.NewScript(budgetPauseScript)}
}

// UseClockForTests makes the budgets decide by now instead of the Redis server's TIME, so that
// a test can move through minutes at once (a real Redis's clock cannot be moved).
func (b *Budgets) UseClockForTests(now func() time.Time) { b.now = now }

// keys are a family's TATs, the pause and the replicas seen, under one hash tag (the API).
func (b *Budgets) keys(family string) []string {
	tag := hashTag(b.api)
	return []string{b.s.key("budget", tag+":"+family), b.s.key("budget", tag+":pause"), b.s.key("budget", tag+":replicas")}
}

func (b *Budgets) clock() int64 {
	if b.now == nil {
		return 0
	}
	return b.now().UnixMicro()
}

// args are the clock and the windows' buckets of a family, as the scripts read them.
func (b *Budgets) windowArgs(ws []BudgetWindow) []any {
	out := []any{len(ws)}
	for _, w := range ws {
		out = append(out, w.Shared.Burst, w.Shared.Every.Microseconds(), w.Reserve.Burst, w.Reserve.Every.Microseconds())
	}
	return out
}

// TakeBudget takes one call of family: at once (wait 0), or scheduled wait ahead when the
// budget (or a Retry-After pause) asks for it. A reserved call takes a window's reserve when
// that has a call now. When the wait would be longer than maxWait (negative: no limit),
// nothing is taken and the wait is returned: the caller gives up. replicas counts the replicas
// that took from this API's budgets in the last two minutes, this one included.
func (b *Budgets) TakeBudget(ctx context.Context, family string, reserved bool, maxWait time.Duration) (wait time.Duration, fromReserve bool, replicas int, err error) {
	ws, ok := b.plan[family]
	if !ok {
		return 0, false, 0, nil
	}
	res := "0"
	if reserved {
		res = "1"
	}
	maxw := int64(-1)
	if maxWait >= 0 {
		maxw = maxWait.Microseconds()
	}
	args := append([]any{b.clock(), res, maxw, b.replica}, b.windowArgs(ws)...)
	v, err := b.take.Run(ctx, b.s.rdb, b.keys(family), args...).Int64Slice()
	if err != nil {
		return 0, false, 0, wrap("take from the "+family+" budget", err)
	}
	if len(v) != 4 {
		return 0, false, 0, fmt.Errorf("store: take from the %s budget: unexpected reply %v", family, v)
	}
	wait = time.Duration(v[1]) * time.Microsecond
	if v[0] == 0 && wait <= maxWait { // granted is the script's word; keep "wait > maxWait" true
		wait = maxWait + time.Microsecond
	}
	return wait, v[2] == 1, int(v[3]), nil
}

// PauseBudgets makes every replica's calls of this API wait d from now (a Retry-After),
// unless a longer pause is set already.
func (b *Budgets) PauseBudgets(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	keys := b.keys("")
	err := b.pause.Run(ctx, b.s.rdb, keys[1:2], b.clock(), d.Microseconds()).Err()
	return wrap("pause the "+b.api+" budgets", err)
}

// BudgetLevels returns, per window of family, the calls its budget lets through now without
// waiting (its reserve included).
func (b *Budgets) BudgetLevels(ctx context.Context, family string) ([]float64, error) {
	ws, ok := b.plan[family]
	if !ok {
		return nil, nil
	}
	v, err := b.levels.Run(ctx, b.s.rdb, b.keys(family), append([]any{b.clock()}, b.windowArgs(ws)...)...).Int64Slice()
	if err != nil {
		return nil, wrap("read the "+family+" budget", err)
	}
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out, nil
}
