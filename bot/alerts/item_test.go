package alerts

import (
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/mdebot/mdebot/defender"
)

// TestItemsPackTheirText checks that items keep their id and title exactly, across the blocks
// of text they are packed into (a title bigger than a block included), and that an item stays
// the few words a storm keeps of each alert.
func TestItemsPackTheirText(t *testing.T) {
	if got := unsafe.Sizeof(item{}); got > 56 {
		t.Errorf("an item is %d bytes, want at most 56", got)
	}
	var in interner
	var items []item
	var want []defender.Alert
	for i := range 2000 {
		a := defender.Alert{ID: fmt.Sprintf("da638%015d_%d", i, i), Title: fmt.Sprintf("Alert %d", i), IncidentID: int64(i)}
		switch i {
		case 0:
			a.Title = ""
		case 700:
			a.Title = strings.Repeat("long title ", textBlock/5) // bigger than a block
		case 701:
			a.ID = "" // no id: still no panic, still its title
		}
		want = append(want, a)
		items = append(items, in.newItem(a, false, false, false))
	}
	for i, it := range items {
		if got := it.brief(); got.ID != want[i].ID || got.Title != want[i].Title || got.IncidentID != want[i].IncidentID {
			t.Fatalf("item %d is %q %q %d, want %q %q %d", i, got.ID, got.Title, got.IncidentID, want[i].ID, want[i].Title,
				want[i].IncidentID)
		}
	}
}
