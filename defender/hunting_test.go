package defender_test

import (
	"fmt"
	"iter"
	"slices"
	"testing"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/defender/defendertest"
	"github.com/mdebot/mdebot/defender/mdefake"
)

// The rows reach the caller while the reply is still being written: the body is not downloaded
// whole first (azcore's pipeline does that unless told not to). The fake writes 5 MB, far more
// than the socket buffers hold, and looks, after its last row, whether the caller saw the first.
func TestHuntEachStreamsTheReply(t *testing.T) {
	t.Parallel()
	for _, api := range []string{"graph", "mde"} {
		t.Run(api, func(t *testing.T) {
			t.Parallel()
			env := defendertest.New(t, defendertest.Options{})
			client := env.Graph
			if api == "mde" {
				client = env.Client
			}
			const rows = 50000
			seen := make(chan struct{})
			seenEarly := false
			env.Fake.SetHuntingRows(func(string) ([]mdefake.HuntingColumn, iter.Seq[map[string]any], error) {
				return []mdefake.HuntingColumn{{Name: "Text", Type: "String"}}, func(yield func(map[string]any) bool) {
					for i := range rows {
						if !yield(map[string]any{"Text": fmt.Sprintf("%090d", i)}) {
							return
						}
					}
					select {
					case <-seen:
						seenEarly = true
					default:
					}
				}, nil
			})
			n := 0
			sum, err := client.HuntEach(t.Context(), "DeviceInfo", defender.HuntLimits{}, func(_ []defender.HuntingColumn, row map[string]any) error {
				if n == 0 {
					close(seen)
				}
				n++
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Rows != rows || n != rows || sum.Cut || len(sum.Schema) != 1 {
				t.Fatalf("summary %+v after %d rows, want %d whole", sum, n, rows)
			}
			if !seenEarly {
				t.Error("the first row reached the caller only after the whole reply was written: the body was read whole first")
			}
		})
	}
}

// A reply past the size limit is read up to the limit and reported as cut, not refused.
func TestHuntEachCutsAtTheLimit(t *testing.T) {
	t.Parallel()
	env := defendertest.New(t, defendertest.Options{})
	env.Fake.SetHuntingRows(func(string) ([]mdefake.HuntingColumn, iter.Seq[map[string]any], error) {
		return nil, func(yield func(map[string]any) bool) {
			// About 2.5 MB, well past the 1 MiB limit.
			for i := 0; i < 200000 && yield(map[string]any{"I": i}); i++ {
			}
		}, nil
	})
	sum, err := env.Graph.HuntEach(t.Context(), "DeviceInfo", defender.HuntLimits{MaxBytes: 1 << 20}, func([]defender.HuntingColumn, map[string]any) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Cut || sum.Rows == 0 || sum.Bytes != 1<<20 {
		t.Fatalf("a 2.5 MB reply: %+v, want cut after 1 MiB", sum)
	}
}

// A result's columns are its schema's, in order, or the first row's keys sorted when MDE sent
// no schema.
func TestHuntingResultColumns(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		r    defender.HuntingResult
		want []string
	}{
		{defender.HuntingResult{Schema: []defender.HuntingColumn{{Name: "Z"}, {Name: "A"}}, Results: []map[string]any{{"Q": 1}}}, []string{"Z", "A"}},
		{defender.HuntingResult{Results: []map[string]any{{"b": 1, "a": 2}}}, []string{"a", "b"}},
		{defender.HuntingResult{}, []string{}},
	} {
		if got := tc.r.Columns(); !slices.Equal(got, tc.want) {
			t.Errorf("Columns() = %v, want %v", got, tc.want)
		}
	}
}
