package main

import (
	"os"
	"testing"
	"time"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/defender/defendertest"
	"github.com/mdebot/mdebot/store"
	"github.com/mdebot/mdebot/store/storetest"
	"github.com/sethvargo/go-envconfig"
)

// The store `mdebot run` wires (seams{} for the approvals, as main.go passes) decides expiry by
// the Redis server's clock: a request that a replica a year behind created 30 minutes before
// its own now is still open, and a right clock's approval approves it. Only a workflow on an
// injected clock (tests, the demo) makes the store decide by the caller's clock, which would find
// it expired: store.WithCallerClockForTests is never set in production.
func TestRunDecidesByServerClock(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			env := defendertest.New(t, defendertest.Options{Seed: true})
			sf := slackfake.New(t, slackfake.Options{})
			vars := baseEnv(sf, env, "127.0.0.1:0")
			// REDIS_URL unset: the app starts its own embedded store; set: the real Redis,
			// under the test's prefix, which storetest deletes at the end.
			vars["MDEBOT_REDIS_PREFIX"] = srv.Prefix
			if srv.Name == "redis" {
				vars["REDIS_URL"] = os.Getenv(storetest.EnvURL)
			}
			cfg, err := LoadConfig(t.Context(), envconfig.MapLookuper(vars))
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC()
			decide := func(id string, sm approvalSeams) store.ApprovalState {
				a, err := newApp(t.Context(), cfg, newLogger(cfg, newSyncBuffer()), seams{transport: env.Fake.HTTPClient(),
					limits: defender.Unlimited(), approvals: sm})
				if err != nil {
					t.Fatal(err)
				}
				defer a.close()
				behind := now.Add(-365 * 24 * time.Hour)
				if err := a.store.CreateApproval(t.Context(), store.NewApproval{ID: id, State: store.ApprovalPending,
					Requester: "U0RESP", Required: 1, Created: behind, Expires: behind.Add(30 * time.Minute), Payload: []byte(`{}`)}); err != nil {
					t.Fatal(err)
				}
				tr, err := a.store.VoteApproval(t.Context(), id, "U0LEAD", now)
				if err != nil {
					t.Fatal(err)
				}
				return tr.Approval.State
			}
			if got := decide("req-prod", approvalSeams{}); got != store.ApprovalApproved {
				t.Errorf("production wiring: a request open 30 minutes by the server's clock is %s, want approved", got)
			}
			if got := decide("req-test", approvalSeams{now: func() time.Time { return now }}); got != store.ApprovalExpired {
				t.Errorf("wiring on an injected clock: %s, want expired (the caller's clock decides)", got)
			}
		})
	}
}
