package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/mdebot/mdebot/store"
	"github.com/mdebot/mdebot/store/storetest"
)

// A query reads a bounded window of the newest entries and says when it stopped before the
// oldest one; it used to read the whole trail (up to about 100,000 entries) for a filter that
// matched little.
func TestAuditScanWindow(t *testing.T) {
	t.Parallel()
	for _, srv := range storetest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			st := store.New(srv.Client, srv.Prefix)
			const n = 1100
			for i := range n {
				e := store.AuditEvent{Time: apT0.Add(time.Duration(i) * time.Second), Event: "requested", Actor: fmt.Sprintf("U%d", i)}
				if _, err := st.AppendAudit(ctx, e); err != nil {
					t.Fatal(err)
				}
			}
			// The oldest entry is outside a window of 600: not found, and the stop is reported.
			r, err := st.AuditScan(ctx, store.AuditFilter{User: "U0", Window: 600})
			if err != nil || len(r.Events) != 0 || !r.Stopped || r.Scanned != 600 || !r.StoppedAt.Equal(apT0.Add(500*time.Second)) {
				t.Fatalf("U0 in a window of 600: %+v, %v", r, err)
			}
			// Inside the window it is found; a window that reaches the oldest entry did not stop.
			r, err = st.AuditScan(ctx, store.AuditFilter{User: "U600", Window: 600})
			if err != nil || len(r.Events) != 1 || r.Events[0].Actor != "U600" {
				t.Fatalf("U600 in a window of 600: %+v, %v", r, err)
			}
			r, err = st.AuditScan(ctx, store.AuditFilter{User: "U0", Window: n})
			if err != nil || len(r.Events) != 1 || r.Stopped || r.Scanned != n {
				t.Fatalf("U0 in a window of the whole trail: %+v, %v", r, err)
			}
		})
	}
}
