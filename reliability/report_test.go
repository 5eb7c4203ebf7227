package reliability

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// report collects the suite's counts and figures, printed when the suite ends.
type report struct {
	mu    sync.Mutex
	lines map[string][]string // scenario -> lines
}

var results = &report{lines: map[string][]string{}}

// add records one line for scenario.
func (r *report) add(scenario, format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines[scenario] = append(r.lines[scenario], fmt.Sprintf(format, args...))
}

// String is the report, scenarios in name order.
func (r *report) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.lines) == 0 {
		return ""
	}
	names := make([]string, 0, len(r.lines))
	for n := range r.lines {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "\n== mdebot reliability suite, %s form, %s\n", *mode, time.Now().UTC().Format(time.RFC3339))
	for _, n := range names {
		fmt.Fprintf(&b, "%s\n", n)
		for _, l := range r.lines[n] {
			fmt.Fprintf(&b, "    %s\n", l)
		}
	}
	return b.String()
}

// percentile returns the p-th percentile (0..100) of ds by the nearest-rank method.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration{}, ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	k := int(float64(len(s))*p/100+0.999999) - 1
	return s[min(max(k, 0), len(s)-1)]
}
