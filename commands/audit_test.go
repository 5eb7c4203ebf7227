package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// auditFake is an AuditReader whose answer is a function; it remembers the queries it got.
type auditFake struct {
	fn      func(q AuditQuery) ([]AuditEntry, error)
	stopped time.Time // when set, the answer says the search stopped at this entry's time
	mu      sync.Mutex
	queries []AuditQuery
}

func (a *auditFake) Audit(_ context.Context, q AuditQuery) (AuditPage, error) {
	a.mu.Lock()
	a.queries = append(a.queries, q)
	a.mu.Unlock()
	entries, err := a.fn(q)
	return AuditPage{Entries: entries, Stopped: !a.stopped.IsZero(), Scanned: 10000, StoppedAt: a.stopped}, err
}

// trail answers from n entries, newest first.
func trail(n int) func(q AuditQuery) ([]AuditEntry, error) {
	return func(q AuditQuery) ([]AuditEntry, error) {
		var out []AuditEntry
		for i := q.Offset; i < n && len(out) < q.Limit; i++ {
			out = append(out, AuditEntry{ID: fmt.Sprint(i), Event: "requested", Verb: "isolate"})
		}
		return out, nil
	}
}

func auditRegistry(t *testing.T, a AuditReader) *Registry {
	t.Helper()
	reg, err := Build(Deps{Audit: a})
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func TestAuditFilters(t *testing.T) {
	t.Parallel()
	const mid = "1e5bc9d7e413ddd7902c2932e418702b84d0cc07"
	const guid = "7c1e5a5e-3f43-4d2b-9b1a-5b0f3a1e9d01"
	tests := []struct {
		text, filter string
		want         AuditQuery
	}{
		{"audit", "everything", AuditQuery{Limit: 11}},
		{"audit <@U123ABC|alice>", "by @U123ABC", AuditQuery{User: "U123ABC", Limit: 11}},
		{"audit " + strings.ToUpper(mid), "device " + mid, AuditQuery{MachineID: mid, Limit: 11}},
		{"audit " + strings.ToUpper(guid), "action " + guid, AuditQuery{ActionID: guid, Limit: 11}},
		{"audit web01.contoso.com", "target web01.contoso.com", AuditQuery{Target: "web01.contoso.com", Limit: 11}},
		{"audit <http://evil.com|evil.com>", "target evil.com", AuditQuery{Target: "evil.com", Limit: 11}},
		{`audit "x' or 1 eq 1"`, "target x' or 1 eq 1", AuditQuery{Target: "x' or 1 eq 1", Limit: 11}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			t.Parallel()
			a := &auditFake{fn: trail(3)}
			resp, err := runText(t, auditRegistry(t, a), tt.text, 0, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			view := resp.View.(AuditView)
			if view.Filter != tt.filter || len(view.Entries) != 3 || view.More != nil {
				t.Errorf("view = %+v", view)
			}
			if diff := cmp.Diff([]AuditQuery{tt.want}, a.queries); diff != "" {
				t.Errorf("queries (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAuditPaging(t *testing.T) {
	t.Parallel()
	a := &auditFake{fn: trail(23)}
	reg := auditRegistry(t, a)
	const text = "audit <@U1>"
	var ids []string
	offset := 0
	for range 5 {
		resp, err := runText(t, reg, text, offset, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		view := resp.View.(AuditView)
		for _, e := range view.Entries {
			ids = append(ids, e.ID)
		}
		if view.More == nil {
			break
		}
		if view.More.Command != text {
			t.Errorf("more command %q", view.More.Command)
		}
		offset = view.More.Offset
	}
	if len(ids) != 23 || ids[0] != "0" || ids[22] != "22" {
		t.Errorf("entries over the pages: %q", ids)
	}
	if len(a.queries) != 3 || a.queries[2].Offset != 20 {
		t.Errorf("queries = %+v", a.queries)
	}
}

func TestAuditWithoutTrail(t *testing.T) {
	t.Parallel()
	reg := auditRegistry(t, nil)
	resp, err := runText(t, reg, "audit web01", 0, time.Now())
	if err != nil || resp.Text != noAuditTrail || resp.View != nil {
		t.Errorf("resp = %+v, err %v", resp, err)
	}
	_, err = runText(t, reg, "audit a b", 0, time.Now())
	wantUsageError(t, reg, "audit", err, "Give at most one filter: a device, a @person or an action ID.")
}

func TestAuditError(t *testing.T) {
	t.Parallel()
	a := &auditFake{fn: func(AuditQuery) ([]AuditEntry, error) { return nil, errors.New("redis: i/o timeout") }}
	_, err := runText(t, auditRegistry(t, a), "audit", 0, time.Now())
	if got := ErrorMessage(err, testRef); got != "Something went wrong on our side. (ref testref)" || !Internal(err) {
		t.Errorf("message %q, internal %v", got, Internal(err))
	}
}
