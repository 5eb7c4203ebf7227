package commands

import (
	"fmt"
	"iter"
	"os"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/defender/defendertest"
	"github.com/mdebot/mdebot/defender/mdefake"
)

// A result past mdebot's limits is cut: the user is told where, the table and the CSV hold the
// rows read, and nothing past them is read.
func TestHuntCutAtTheLimitIsTold(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.deps.HuntLimits = defender.HuntLimits{MaxRows: 30}
	reg, err := Build(f.deps)
	if err != nil {
		t.Fatal(err)
	}
	f.reg = reg
	f.env.Fake.SetHuntingRows(wideRows(1000))
	resp := f.mustRun(t, "hunt DeviceProcessEvents", 0)
	v := resp.View.(HuntView)
	if v.TotalRows != 30 || len(v.Result.Results) != huntInlineRows || resp.File == nil {
		t.Fatalf("view has %d of %d rows, file %v", len(v.Result.Results), v.TotalRows, resp.File != nil)
	}
	if !strings.HasPrefix(v.Cut, "The result was cut after 30 rows (") || !strings.Contains(v.Cut, "at most 30 rows or 128.0 MB") {
		t.Errorf("cut note = %q", v.Cut)
	}
	if resp.Text != "The query returned more rows than mdebot reads; here are the first 30 rows." {
		t.Errorf("text = %q", resp.Text)
	}
	if n := strings.Count(readFile(t, resp.File), "\n"); n != 31 {
		t.Errorf("CSV has %d lines, want the header and 30 rows", n)
	}
}

// A refused query leaves no file behind.
func TestHuntRefusedLeavesNoFile(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.env.Fake.SetHunting(func(string) ([]mdefake.HuntingColumn, []map[string]any, error) {
		return nil, nil, fmt.Errorf("Query could not be parsed")
	})
	if _, err := f.run(t, "hunt DeviceInfo wher", 0); err == nil {
		t.Fatal("a refused query answered")
	}
	if left, _ := os.ReadDir(f.deps.TempDir); len(left) != 0 {
		t.Errorf("files left behind: %v", left)
	}
}

// huntRows is the size of the large result: as many rows as MDE returns at most.
const huntRows = 100000

// A 100,000-row result (about 25 MB of JSON, a 17 MB CSV) goes through Graph, the hunt verb and
// its CSV file with at most a few megabytes live at any time: the rows are streamed from the
// reply into the file, and only the first 20 are kept. The live heap is sampled after a full
// collection every 10,000 rows the fake writes, and once the verb returned (with its response
// still held). Most of what is live is the HTTP/2 transport's receive buffer (a stream's flow
// control window is 4 MB in Go's client); reading the body whole, as before, grew it by 29 MB,
// and keeping every row by 69 MB.
func TestHuntLargeResultInBoundedMemory(t *testing.T) {
	// Not parallel: the heap samples count every goroutine's memory.
	peak, resp := huntPeakHeap(t, t.TempDir())
	defer resp.File.Remove()
	const bound = 8 << 20
	t.Logf("peak live heap growth: %.2f MB", float64(peak)/(1<<20))
	if peak > bound {
		t.Errorf("peak live heap grew by %.1f MB during a %d-row hunt, want at most %.1f MB", float64(peak)/(1<<20), huntRows, float64(bound)/(1<<20))
	}
	if v := resp.View.(HuntView); v.TotalRows != huntRows || v.Cut != "" || resp.File.Size < 15<<20 {
		t.Errorf("%d rows, cut %q, CSV of %d bytes", v.TotalRows, v.Cut, resp.File.Size)
	}
}

// BenchmarkHuntLargeResult reports the peak live heap growth of a 100,000-row hunt through the
// Graph fake (peak-live-MB) and the size of the CSV written (csv-MB).
func BenchmarkHuntLargeResult(b *testing.B) {
	var peak, size int64
	for b.Loop() {
		p, resp := huntPeakHeap(b, b.TempDir())
		peak, size = max(peak, p), resp.File.Size
		_ = resp.File.Remove()
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-live-MB")
	b.ReportMetric(float64(size)/(1<<20), "csv-MB")
}

// huntPeakHeap runs a huntRows-row hunt through the Graph fake and returns the largest growth
// of the live heap seen, and the response.
func huntPeakHeap(tb testing.TB, dir string) (int64, Response) {
	env := defendertest.New(tb, defendertest.Options{})
	d := Deps{MDE: env.Client, Hunt: env.Graph, Now: time.Now, TempDir: dir}
	reg, err := Build(d)
	if err != nil {
		tb.Fatal(err)
	}
	base := liveHeap()
	var peak int64
	sample := func() { peak = max(peak, liveHeap()-base) }
	env.Fake.SetHuntingRows(func(q string) ([]mdefake.HuntingColumn, iter.Seq[map[string]any], error) {
		schema, rows, _ := wideRows(huntRows)(q)
		return schema, func(yield func(map[string]any) bool) {
			for i, row := range enumerate(rows) {
				if i%10000 == 0 {
					sample()
				}
				if !yield(row) {
					return
				}
			}
		}, nil
	})
	v, _ := reg.Lookup("hunt")
	resp, err := v.Run(tb.Context(), &Call{Request: Request{Ref: testRef, UserID: "U1"}, Verb: v,
		Rest: "DeviceProcessEvents", Roles: Roles{Viewer: true, Responder: true}, Now: time.Now()})
	if err != nil {
		tb.Fatal(err)
	}
	sample()
	runtime.KeepAlive(resp)
	return peak, resp
}

// liveHeap is the live heap after a full collection.
func liveHeap() int64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// wideRows answers every query with n DeviceProcessEvents-like rows of about 250 bytes of JSON,
// made one at a time.
func wideRows(n int) mdefake.HuntingRowsFunc {
	return func(string) ([]mdefake.HuntingColumn, iter.Seq[map[string]any], error) {
		schema := []mdefake.HuntingColumn{{Name: "Timestamp", Type: "DateTime"}, {Name: "DeviceName", Type: "String"},
			{Name: "FileName", Type: "String"}, {Name: "ProcessCommandLine", Type: "String"}, {Name: "Row", Type: "Int"}}
		return schema, func(yield func(map[string]any) bool) {
			for i := range n {
				row := map[string]any{"Timestamp": "2026-01-02T03:04:05.1234567Z", "DeviceName": fmt.Sprintf("ws-%06d.contoso.com", i),
					"FileName": "powershell.exe", "ProcessCommandLine": "powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\\scripts\\" +
						fmt.Sprintf("%06d", i) + ".ps1 -Verbose -Output C:\\temp\\out.txt", "Row": i}
				if !yield(row) {
					return
				}
			}
		}, nil
	}
}

// enumerate numbers the values of a sequence.
func enumerate[V any](seq iter.Seq[V]) iter.Seq2[int, V] {
	return func(yield func(int, V) bool) {
		i := 0
		for v := range seq {
			if !yield(i, v) {
				return
			}
			i++
		}
	}
}
