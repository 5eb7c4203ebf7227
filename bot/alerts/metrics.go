package alerts

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/mdebot/mdebot/store"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the alert poller's: its polls (how many, how long), what they did with the alerts
// they read, whether this replica leads, when the last good poll ended and how far the watermark
// is behind now. A nil *metrics counts nothing.
type metrics struct {
	polls    *prometheus.CounterVec
	duration prometheus.Histogram
	alerts   *prometheus.CounterVec
	lastOK   prometheus.Gauge

	mu        sync.Mutex
	leading   bool
	watermark time.Time
	now       func() time.Time
}

// pollOutcomes are the outcome label's values, in PollStats' words.
func pollOutcomes() []string {
	return []string{"seen", "posted", "digested", "updated", "muted", "unrouted", "below", "failed", "deferred", "held"}
}

// newMetrics registers the poller's metrics on r; nil when r is nil.
func newMetrics(r prometheus.Registerer, now func() time.Time) *metrics {
	if r == nil {
		return nil
	}
	m := &metrics{
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mdebot_alert_polls_total",
			Help: "Polls of MDE for alerts made by this replica while it led, by result (ok, error).",
		}, []string{"result"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "mdebot_alert_poll_duration_seconds",
			Help:    "Time one alert poll took, from reading MDE to recording the watermark.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120},
		}),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mdebot_alert_poll_alerts_total",
			Help: "What the polls did with the alerts they read, by outcome (an alert is counted in every poll that reads it again): seen, posted, digested, updated, muted, unrouted, below, failed, deferred, held.",
		}, []string{"outcome"}),
		lastOK: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "mdebot_alert_last_successful_poll_timestamp_seconds",
			Help: "When this replica's last alert poll without an error ended (Unix time; 0 before the first).",
		}),
		now: now,
	}
	leader := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "mdebot_alert_poller_leader",
		Help: "1 on the replica that holds the alert poller's leader lock (the one that polls and posts), 0 on the others.",
	}, func() float64 {
		if m.isLeading() {
			return 1
		}
		return 0
	})
	lag := prometheus.NewDesc("mdebot_alert_watermark_lag_seconds",
		"How far the alert watermark (the lastUpdateTime up to which every alert is handled) is behind now; reported by the leader only. It also grows while no alert changes.",
		nil, nil)
	r.MustRegister(m.polls, m.duration, m.alerts, m.lastOK, leader, lagCollector{m, lag})
	for _, o := range pollOutcomes() {
		m.alerts.WithLabelValues(o)
	}
	m.polls.WithLabelValues("ok")
	m.polls.WithLabelValues("error")
	return m
}

// lead records that this replica leads, and returns the function that records the end of it.
func (m *metrics) lead() func() {
	if m == nil {
		return func() {}
	}
	m.mu.Lock()
	m.leading = true
	m.mu.Unlock()
	return func() {
		m.mu.Lock()
		m.leading = false
		m.mu.Unlock()
	}
}

func (m *metrics) isLeading() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.leading
}

// polled counts one poll from its statistics; wm is the watermark it recorded (zero: unchanged).
func (m *metrics) polled(st store.PollStats, wm time.Time, err error) {
	if m == nil {
		return
	}
	m.duration.Observe(st.Duration.Seconds())
	switch {
	case errors.Is(err, context.Canceled): // a shutdown is no failure, and no poll either
	case err != nil:
		m.polls.WithLabelValues("error").Inc()
	default:
		m.polls.WithLabelValues("ok").Inc()
		m.lastOK.Set(float64(st.At.UnixNano()) / 1e9)
	}
	outcomes := pollOutcomes()
	for i, n := range []int64{st.Seen, st.Posted, st.Digested, st.Updated, st.Muted, st.Unrouted, st.Below, st.Failed, st.Deferred, st.Held} {
		m.alerts.WithLabelValues(outcomes[i]).Add(float64(n))
	}
	if !wm.IsZero() {
		m.mu.Lock()
		m.watermark = wm
		m.mu.Unlock()
	}
}

// lagCollector computes the watermark's lag at scrape time, on the leader.
type lagCollector struct {
	m    *metrics
	desc *prometheus.Desc
}

func (c lagCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c lagCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.mu.Lock()
	leading, wm := c.m.leading, c.m.watermark
	c.m.mu.Unlock()
	if !leading || wm.IsZero() {
		return
	}
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, max(0, c.m.now().Sub(wm).Seconds()))
}
