package defender

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the Prometheus metrics of the MDE and Graph clients: every try (retries included)
// by API, family and status class, the waits of the rate limiter, the 429s, and the budget left,
// read from the limiters at scrape time. Make one per registry and give it to every client
// (WithMetrics); the api label tells MDE from Graph.
type Metrics struct {
	requests  *prometheus.CounterVec
	waits     *prometheus.CounterVec
	waitSecs  *prometheus.CounterVec
	throttled *prometheus.CounterVec

	mu       sync.Mutex
	limiters []apiLimiter
}

type apiLimiter struct {
	api string
	l   *Limiter
}

// NewMetrics registers the clients' metrics on r (none when r is nil).
func NewMetrics(r prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mdebot_api_requests_total",
			Help: "HTTP tries sent to Defender for Endpoint or Microsoft Graph (retries included), by API, endpoint family and status class (2xx..5xx, or error when no reply came).",
		}, []string{"api", "family", "code"}),
		waits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mdebot_api_rate_limit_waits_total",
			Help: "Tries that waited for the client-side rate limiter (a budget spent or a Retry-After pause), by API and endpoint family.",
		}, []string{"api", "family"}),
		waitSecs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mdebot_api_rate_limit_wait_seconds_total",
			Help: "Time tries spent waiting for the client-side rate limiter, by API and endpoint family.",
		}, []string{"api", "family"}),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mdebot_api_throttled_total",
			Help: "HTTP 429 replies from Defender for Endpoint or Microsoft Graph, by API and endpoint family.",
		}, []string{"api", "family"}),
	}
	if r != nil {
		budget := prometheus.NewDesc("mdebot_api_budget_remaining",
			"Calls of an endpoint family that the client-side rate limiter lets through now without waiting, per window of the family's budget (1m, 1h), reserve for approved actions included; with several replicas, the budget they share in Redis.",
			[]string{"api", "family", "window"}, nil)
		r.MustRegister(m.requests, m.waits, m.waitSecs, m.throttled, budgetCollector{m, budget})
	}
	return m
}

// WithMetrics counts the client's requests in m and reports its limiter's budgets.
func WithMetrics(m *Metrics) Option { return func(o *options) { o.metrics = m } }

// forAPI returns the counters of one API (nil when m is nil) and tracks its limiter.
func (m *Metrics) forAPI(api string, l *Limiter) *apiMetrics {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	m.limiters = append(m.limiters, apiLimiter{api: api, l: l})
	m.mu.Unlock()
	for _, f := range Families {
		// Zero series, so that a dashboard shows 0 rather than nothing before the first wait.
		m.waits.WithLabelValues(api, f.label())
		m.waitSecs.WithLabelValues(api, f.label())
		m.throttled.WithLabelValues(api, f.label())
	}
	return &apiMetrics{m: m, api: api}
}

// apiMetrics counts for one API. A nil *apiMetrics counts nothing.
type apiMetrics struct {
	m   *Metrics
	api string
}

func (a *apiMetrics) waited(f Family, d time.Duration) {
	if a == nil || d <= 0 {
		return
	}
	a.m.waits.WithLabelValues(a.api, f.label()).Inc()
	a.m.waitSecs.WithLabelValues(a.api, f.label()).Add(d.Seconds())
}

func (a *apiMetrics) replied(f Family, resp *http.Response, err error) {
	if a == nil {
		return
	}
	code := "error"
	if err == nil && resp != nil {
		code = strconv.Itoa(resp.StatusCode/100) + "xx"
		if resp.StatusCode == http.StatusTooManyRequests {
			a.m.throttled.WithLabelValues(a.api, f.label()).Inc()
		}
	}
	a.m.requests.WithLabelValues(a.api, f.label(), code).Inc()
}

// meteredLimiter is the limiter policy of a client with metrics.
type meteredLimiter struct {
	l *Limiter
	m *apiMetrics
}

func (p meteredLimiter) Do(req *policy.Request) (*http.Response, error) { return p.l.send(req, p.m) }

// label is the family as a metric label value.
func (f Family) label() string {
	return [...]string{"machines", "alerts", "machine_actions", "indicators", "entities", "hunting", "package_uri"}[f]
}

// budgetCollector reads the limiters' token buckets at scrape time.
type budgetCollector struct {
	m    *Metrics
	desc *prometheus.Desc
}

func (c budgetCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c budgetCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.mu.Lock()
	ls := append([]apiLimiter(nil), c.m.limiters...)
	c.m.mu.Unlock()
	for _, al := range ls {
		for _, f := range Families {
			b := al.l.budgets[f]
			if b == nil {
				continue
			}
			levels := al.l.levels(f)
			for i, w := range b.windows {
				if i < len(levels) {
					ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, max(0, levels[i]), al.api, f.label(), windowLabel(w.Per))
				}
			}
		}
	}
}

// windowLabel names a budget window: 1m, 1h, or Go's duration text.
func windowLabel(d time.Duration) string {
	switch d {
	case time.Minute:
		return "1m"
	case time.Hour:
		return "1h"
	}
	return d.String()
}
