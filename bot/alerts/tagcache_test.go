package alerts

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/store"
	"github.com/mdebot/mdebot/store/storetest"
)

// machineLister is an AlertSource whose devices are tagged with their own id, counting lookups.
type machineLister struct{ calls int }

func (m *machineLister) Alerts(context.Context, defender.AlertListOptions) iter.Seq2[defender.Alert, error] {
	return func(func(defender.Alert, error) bool) {}
}

func (m *machineLister) GetAlert(context.Context, string, bool) (defender.Alert, error) {
	return defender.Alert{}, nil
}

func (m *machineLister) ListMachines(_ context.Context, o defender.ListOptions) ([]defender.Machine, error) {
	m.calls++
	var out []defender.Machine
	for _, id := range []string{"m1", "m2", "m3", "m4", "m5"} {
		if strings.Contains(o.Filter.String(), "'"+id+"'") {
			out = append(out, defender.Machine{ID: id, MachineTags: []string{"tag-" + id}})
		}
	}
	return out, nil
}

// The machine-tag cache answers from memory within its TTL, forgets entries older than it, and
// never holds more devices than its size.
func TestTagCacheExpiresAndIsBounded(t *testing.T) {
	t.Parallel()
	src := &machineLister{}
	c := newTagCache(time.Minute, 3)
	budget := newMDEBudget(-1)
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tags, err := c.tags(t.Context(), src, budget, t0, []string{"m1", "m2"})
	if err != nil || len(tags["m1"]) != 1 || tags["m1"][0] != "tag-m1" || src.calls != 1 {
		t.Fatalf("first lookup: %v, %v, %d calls", tags, err, src.calls)
	}
	if _, err := c.tags(t.Context(), src, budget, t0.Add(30*time.Second), []string{"m1", "m2"}); err != nil || src.calls != 1 {
		t.Fatalf("a lookup within the TTL asked MDE (%d calls, %v)", src.calls, err)
	}
	if _, err := c.tags(t.Context(), src, budget, t0.Add(2*time.Minute), []string{"m3"}); err != nil {
		t.Fatal(err)
	}
	if len(c.m) != 1 {
		t.Errorf("expired entries kept: %d entries", len(c.m))
	}
	tags, err = c.tags(t.Context(), src, budget, t0.Add(3*time.Minute), []string{"m1", "m2", "m3", "m4", "m5"})
	if err != nil || len(tags) != 5 || tags["m5"][0] != "tag-m5" {
		t.Fatalf("five devices: %v, %v", tags, err)
	}
	if len(c.m) > 3 {
		t.Errorf("the cache holds %d devices, more than its size 3", len(c.m))
	}
}

// manyMachines lists n devices tagged with their own id, a page at a time, counting requests.
type manyMachines struct {
	machineLister
	n int
}

func (m *manyMachines) ListMachines(_ context.Context, o defender.ListOptions) ([]defender.Machine, error) {
	m.calls++
	var out []defender.Machine
	for i := o.Skip; i < m.n && len(out) < o.PageSize; i++ {
		id := fmt.Sprintf("dev%d", i)
		if o.Filter.String() == "" || strings.Contains(o.Filter.String(), "'"+id+"'") {
			out = append(out, defender.Machine{ID: id, MachineTags: []string{"tag-" + id}})
		}
	}
	return out, nil
}

// Routing a storm on many devices costs one request per page of devices, not one per batch of
// unknown devices; a few unknown devices are still looked up by id.
func TestTagCacheListsEveryDeviceForManyUnknown(t *testing.T) {
	t.Parallel()
	src := &manyMachines{n: 300}
	c := newTagCache(time.Minute, tagCacheSize)
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 300 {
		ids = append(ids, fmt.Sprintf("dev%d", i))
	}
	ids = append(ids, "gone")
	tags, err := c.tags(t.Context(), src, newMDEBudget(-1), t0, ids)
	if err != nil || src.calls != 1 {
		t.Fatalf("301 unknown devices: %v after %d requests; want 1", err, src.calls)
	}
	if len(tags) != 301 || tags["dev299"][0] != "tag-dev299" || tags["gone"] != nil {
		t.Errorf("tags = %d entries, dev299 %v, gone %v", len(tags), tags["dev299"], tags["gone"])
	}
	src.calls = 0
	if _, err := c.tags(t.Context(), src, newMDEBudget(-1), t0.Add(time.Second), ids); err != nil || src.calls != 0 {
		t.Errorf("the same devices again: %v, %d requests; want none", err, src.calls)
	}
}

// A tag change recorded in Redis (by tag or untag on any replica) drops the device from the
// cache at the next poll, so routing reads its new tags; devices cached after the change stay.
func TestTagCacheForgetsRetaggedDevices(t *testing.T) {
	t.Parallel()
	st := store.New(storetest.Servers(t)[0].Client, "retag")
	src := &machineLister{}
	c := newTagCache(10*time.Minute, 10)
	budget := newMDEBudget(-1)
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := c.tags(t.Context(), src, budget, t0, []string{"m1", "m2"}); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkRetagged(t.Context(), "m1", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	c.forgetRetagged(t.Context(), st, t0.Add(2*time.Minute))
	if _, ok := c.m["m1"]; ok {
		t.Error("the retagged device stayed cached")
	}
	if _, ok := c.m["m2"]; !ok {
		t.Error("a device that was not retagged was dropped")
	}
	if _, err := c.tags(t.Context(), src, budget, t0.Add(2*time.Minute), []string{"m1", "m2"}); err != nil || src.calls != 2 {
		t.Fatalf("after the change: %d lookups (%v), want one more for m1", src.calls, err)
	}
	c.forgetRetagged(t.Context(), st, t0.Add(3*time.Minute))
	if _, ok := c.m["m1"]; !ok {
		t.Error("an entry cached after the change was dropped again")
	}
}
