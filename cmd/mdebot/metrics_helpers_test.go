package main

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape GETs url and parses the exposition.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

// scrapeUntil scrapes until cond holds (as a Prometheus server would, every few milliseconds),
// for at most 20 s.
func scrapeUntil(t *testing.T, url string, cond func(map[string]*dto.MetricFamily) bool) map[string]*dto.MetricFamily {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	for {
		fams := scrape(t, url)
		if cond(fams) {
			return fams
		}
		select {
		case <-tick.C:
		case <-deadline.C:
			t.Fatal("the condition never held on /metrics")
		}
	}
}

// quietValue is the value of a series, or -1 when it is missing.
func quietValue(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	m, err := lookup(fams, name, labels...)
	if err != nil {
		return -1
	}
	return value(m)
}

// metricValue is the value of the series of name whose labels include labels (name, value
// pairs); a missing series fails the test.
func metricValue(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	m, err := lookup(fams, name, labels...)
	if err != nil {
		t.Error(err)
		return -1
	}
	return value(m)
}

// value is a counter's or gauge's value, or a histogram's count.
func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return m.GetUntyped().GetValue()
}

func histogramSum(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	m, err := lookup(fams, name, labels...)
	if err != nil || m.Histogram == nil {
		t.Errorf("%s%v: no histogram (%v)", name, labels, err)
		return -1
	}
	return m.Histogram.GetSampleSum()
}

func lookup(fams map[string]*dto.MetricFamily, name string, labels ...string) (*dto.Metric, error) {
	f := fams[name]
	if f == nil {
		return nil, fmt.Errorf("no family %s", name)
	}
next:
	for _, m := range f.Metric {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, lp := range m.Label {
				found = found || lp.GetName() == labels[i] && lp.GetValue() == labels[i+1]
			}
			if !found {
				continue next
			}
		}
		return m, nil
	}
	return nil, fmt.Errorf("no series %s%v", name, labels)
}

// labelProblems lists the mdebot_ series with a label outside the bounded set of names, or a
// value that is one of ids or looks like an id (a Slack, MDE, request or hex id, an e-mail or a
// host name); too few series or ids to check is a problem too.
func labelProblems(fams map[string]*dto.MetricFamily, ids []string) []string {
	allowed := map[string]bool{"api": true, "family": true, "code": true, "window": true, "verb": true, "outcome": true,
		"state": true, "decision": true, "status": true, "type": true, "lane": true, "result": true, "method": true,
		"error": true, "kind": true}
	known := map[string]bool{}
	for _, id := range ids {
		if id != "" {
			known[strings.ToLower(id)] = true
		}
	}
	looksLikeID := regexp.MustCompile(`^[UCWGDSBFTE][A-Z0-9]{5,}$|req-|[0-9a-f]{12,}|[0-9a-f]{8}-[0-9a-f]{4}-|^[a-z]{2}[0-9]{6,}|\d{6,}|@|\.com$`)
	var problems []string
	series := 0
	for name, f := range fams {
		if !strings.HasPrefix(name, "mdebot_") {
			continue
		}
		for _, m := range f.Metric {
			series++
			for _, lp := range m.Label {
				if !allowed[lp.GetName()] {
					problems = append(problems, fmt.Sprintf("%s has the label %q", name, lp.GetName()))
				}
				if val := lp.GetValue(); known[strings.ToLower(val)] || looksLikeID.MatchString(val) {
					problems = append(problems, fmt.Sprintf("%s{%s=%q} carries an id", name, lp.GetName(), val))
				}
			}
		}
	}
	if series < 50 || len(known) < 20 {
		problems = append(problems, fmt.Sprintf("checked %d series against %d ids: too few to mean anything", series, len(known)))
	}
	return problems
}
