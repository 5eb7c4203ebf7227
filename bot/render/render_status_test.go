package render

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mdebot/mdebot/commands"
)

// Status shows each worker lane: busy workers and waiting requests, each of its bound.
func TestStatusShowsLanes(t *testing.T) {
	t.Parallel()
	v := commands.StatusView{Version: "1.0", Lanes: []commands.LaneStat{
		{Name: "interactive", Busy: 2, Workers: 8, Waiting: 0, Queue: 256},
		{Name: "slow", Busy: 4, Workers: 4, Waiting: 7, Queue: 32},
	}}
	msg := Response(commands.Response{Text: "t", View: v}, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	b, _ := json.Marshal(msg.Blocks)
	for _, want := range []string{"*Workers*", "*interactive*\\n2 of 8 busy, 0 of 256 waiting", "*slow*\\n4 of 4 busy, 7 of 32 waiting"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("status lacks %q: %s", want, b)
		}
	}
	v.Lanes = nil
	if b, _ := json.Marshal(Response(commands.Response{Text: "t", View: v}, time.Now()).Blocks); strings.Contains(string(b), "Workers") {
		t.Errorf("a status without lanes shows a Workers section: %s", b)
	}
}
