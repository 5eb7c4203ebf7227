package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/mdebot/mdebot/store"
	"github.com/mdebot/mdebot/store/storetest"
)

// TestAuditContract appends a trail longer than one read batch and queries
// it with every filter, newest first, with paging.
func TestAuditContract(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			st := store.New(srv.Client, srv.Prefix)
			const n = 1200 // more than two read batches
			for i := range n {
				e := store.AuditEvent{Time: apT0.Add(time.Duration(i) * time.Second), Event: "requested",
					Actor: fmt.Sprintf("U%d", i%3), Verb: "isolate", Target: fmt.Sprintf("host%d.contoso.com", i%4),
					MachineID: fmt.Sprintf("%040d", i%5), Request: fmt.Sprintf("req-%d", i), Detail: "why"}
				if i == 7 {
					e.ActionID = "7C1E5A5E-3F43-4D2B-9B1A-5B0F3A1E9D01"
				}
				id, err := st.AppendAudit(ctx, e)
				if err != nil || id == "" {
					t.Fatalf("append %d: %q, %v", i, id, err)
				}
			}
			all, err := st.Audit(ctx, store.AuditFilter{})
			if err != nil || len(all) != n {
				t.Fatalf("all: %d entries, %v", len(all), err)
			}
			if all[0].Request != fmt.Sprintf("req-%d", n-1) || all[n-1].Request != "req-0" || !all[0].Time.Equal(apT0.Add((n-1)*time.Second)) {
				t.Errorf("not newest first: first %+v, last %+v", all[0], all[n-1])
			}
			for _, tc := range []struct {
				name string
				f    store.AuditFilter
				n    int
			}{
				{"user", store.AuditFilter{User: "U1"}, n / 3},
				{"machine", store.AuditFilter{MachineID: fmt.Sprintf("%040d", 2)}, n / 5},
				{"target", store.AuditFilter{Target: "HOST3.contoso.com"}, n / 4},
				{"short name", store.AuditFilter{Target: "host3"}, n / 4},
				{"action id", store.AuditFilter{ActionID: "7c1e5a5e-3f43-4d2b-9b1a-5b0f3a1e9d01"}, 1},
				{"request id", store.AuditFilter{ActionID: "req-1199"}, 1},
				{"both", store.AuditFilter{User: "U0", Target: "host0.contoso.com"}, n / 12},
				{"none", store.AuditFilter{User: "U9"}, 0},
			} {
				got, err := st.Audit(ctx, tc.f)
				if err != nil || len(got) != tc.n {
					t.Errorf("%s: %d entries, %v; want %d", tc.name, len(got), err, tc.n)
				}
			}
			page, err := st.Audit(ctx, store.AuditFilter{User: "U0", Offset: 395, Limit: 11})
			if err != nil || len(page) != 5 || page[4].Request != "req-0" {
				t.Errorf("last page: %+v, %v", page, err)
			}
			page, err = st.Audit(ctx, store.AuditFilter{Offset: 10, Limit: 3})
			if err != nil || len(page) != 3 || page[0].Request != fmt.Sprintf("req-%d", n-11) {
				t.Errorf("page: %+v, %v", page, err)
			}
			if _, err := st.AppendAudit(ctx, store.AuditEvent{}); err == nil {
				t.Error("an entry without an event was accepted")
			}
			assertAllKeysExpire(t, srv)
			if d, err := srv.Client.PTTL(ctx, srv.Prefix+":audit:stream").Result(); err != nil || d < store.AuditRetention-time.Minute {
				t.Errorf("audit stream TTL %v, %v", d, err)
			}
		})
	}
}
