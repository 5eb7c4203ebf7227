package defender

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeHunting(t *testing.T) {
	t.Parallel()
	const mde = `{"Stats":{"x":1},"Schema":[{"Name":"N","Type":"Int"}],"Results":[{"N":1},{"N":2},{"N":3}]}`
	const graph = `{"@odata.context":"x","schema":[{"name":"N","type":"Int"}],"results":[{"N":1},{"N":2},{"N":3}]}`
	schema := []HuntingColumn{{Name: "N", Type: "Int"}}
	tests := []struct {
		name  string
		body  string
		lim   HuntLimits
		rows  int
		cut   bool
		fails string
	}{
		{"mde", mde, HuntLimits{}, 3, false, ""},
		{"graph", graph, HuntLimits{}, 3, false, ""},
		{"row limit", graph, HuntLimits{MaxRows: 2}, 2, true, ""},
		{"exactly the row limit", graph, HuntLimits{MaxRows: 3}, 3, false, ""},
		// The body is cut inside the third row: two whole rows are read, the reply is cut.
		{"byte limit", graph, HuntLimits{MaxBytes: int64(strings.Index(graph, `{"N":3}`) + 3)}, 2, true, ""},
		{"exactly the byte limit", graph, HuntLimits{MaxBytes: int64(len(graph))}, 3, false, ""},
		{"truncated body", graph[:len(graph)-5], HuntLimits{}, 2, false, "unexpected EOF"},
		{"not an object", `[1,2]`, HuntLimits{}, 0, false, "expected"},
		{"a row that is not an object", `{"results":[1]}`, HuntLimits{}, 0, false, "cannot unmarshal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []map[string]any
			sum, err := decodeHunting(strings.NewReader(tt.body), tt.lim, func(s []HuntingColumn, row map[string]any) error {
				if diff := cmp.Diff(schema, s); diff != "" {
					t.Errorf("schema with row %d (-want +got):\n%s", len(got)+1, diff)
				}
				got = append(got, row)
				return nil
			})
			if tt.fails != "" {
				if err == nil || !strings.Contains(err.Error(), tt.fails) {
					t.Fatalf("err = %v, want %q", err, tt.fails)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if sum.Rows != tt.rows || len(got) != tt.rows || sum.Cut != tt.cut {
				t.Errorf("read %d rows (%d handed over), cut %v; want %d, cut %v", sum.Rows, len(got), sum.Cut, tt.rows, tt.cut)
			}
			if len(got) > 0 && got[0]["N"] != json.Number("1") {
				t.Errorf("first row %v: want N as json.Number 1", got[0])
			}
		})
	}
}

func TestDecodeHuntingStopsOnTheRowFuncsError(t *testing.T) {
	t.Parallel()
	stop := errors.New("disk full")
	n := 0
	_, err := decodeHunting(strings.NewReader(`{"results":[{},{},{}]}`), HuntLimits{}, func([]HuntingColumn, map[string]any) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("err %v after %d rows, want the row func's error after 1", err, n)
	}
}
