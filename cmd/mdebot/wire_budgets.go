package main

import (
	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
)

// limiter returns the rate limiter of api ("mde" or "graph") with limits (the documented ones
// when nil). With a Redis that replicas share, its budgets are kept there for all of them:
// MDE's limits hold per application and tenant, not per replica. The embedded store serves
// one replica, which keeps its budgets in process.
func (a *app) limiter(api string, limits defender.Limits) *defender.Limiter {
	if limits == nil {
		limits = defender.DefaultLimits()
	}
	if !a.sharedRedis {
		return defender.NewLimiter(limits)
	}
	return defender.NewSharedLimiter(limits, a.store.Budgets(api, budgetPlan(limits)),
		a.log.With("component", "rate-budgets", "api", api))
}

// budgetPlan turns defender's plan of the limits into the store's words, so that the shared
// budgets enforce exactly the buckets the local limiter would.
func budgetPlan(limits defender.Limits) map[string][]store.BudgetWindow {
	out := map[string][]store.BudgetWindow{}
	for fam, plans := range limits.Plan() {
		for _, p := range plans {
			out[fam.Key()] = append(out[fam.Key()], store.BudgetWindow{
				Shared:  store.BudgetBucket{Burst: p.Shared.Burst, Every: p.Shared.Every},
				Reserve: store.BudgetBucket{Burst: p.Reserve.Burst, Every: p.Reserve.Every},
			})
		}
	}
	return out
}

// The store's budgets are what defender's shared limiter takes from.
var _ defender.SharedBudget = (*store.Budgets)(nil)
