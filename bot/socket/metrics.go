package socket

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack/socketmode"
)

// metrics are the socket runtime's: the time from taking an envelope off the socket to its
// ack, the requests refused because the queue was full, and the lanes (read at scrape time).
// A nil *metrics counts nothing.
type metrics struct {
	ack     *prometheus.HistogramVec
	refused *prometheus.CounterVec
}

// newMetrics registers b's metrics on r; nil when r is nil.
func newMetrics(r prometheus.Registerer, b *Bot) *metrics {
	if r == nil {
		return nil
	}
	m := &metrics{
		ack: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "mdebot_socket_ack_seconds",
			Help:    "Time from the event loop taking a socket-mode envelope to its ack being written, by envelope type (Slack allows 3 s).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"type"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mdebot_queue_rejected_total",
			Help: "Requests not run because their lane's queue was full (the user is told the bot is busy), by lane.",
		}, []string{"lane"}),
	}
	r.MustRegister(m.ack, m.refused, newLaneCollector(b))
	for l := range numLanes {
		m.refused.WithLabelValues(l.String())
	}
	return m
}

// acked observes one ack of an envelope of type typ taken off the socket at since.
func (m *metrics) acked(typ string, since time.Time) {
	if m == nil || since.IsZero() {
		return
	}
	m.ack.WithLabelValues(envelopeType(typ)).Observe(time.Since(since).Seconds())
}

// rejected counts a request the lane's queue had no room for.
func (m *metrics) rejected(lane string) {
	if m != nil {
		m.refused.WithLabelValues(lane).Inc()
	}
}

// envelopeType bounds the label to the types Slack sends in socket mode.
func envelopeType(t string) string {
	switch t {
	case socketmode.RequestTypeSlashCommands, socketmode.RequestTypeInteractive, socketmode.RequestTypeEventsAPI:
		return t
	}
	return "other"
}

// laneCollector reads LaneStats at scrape time.
type laneCollector struct {
	b                            *Bot
	queued, capacity, busy, size *prometheus.Desc
}

func newLaneCollector(b *Bot) laneCollector {
	lane := []string{"lane"}
	return laneCollector{b: b,
		queued:   prometheus.NewDesc("mdebot_queue_depth", "Requests waiting for a worker, by lane.", lane, nil),
		capacity: prometheus.NewDesc("mdebot_queue_capacity", "Requests that may wait for a worker before the bot says it is busy, by lane.", lane, nil),
		busy:     prometheus.NewDesc("mdebot_workers_busy", "Workers running a request, by lane.", lane, nil),
		size:     prometheus.NewDesc("mdebot_workers", "Workers, by lane.", lane, nil),
	}
}

func (c laneCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.queued
	ch <- c.capacity
	ch <- c.busy
	ch <- c.size
}

func (c laneCollector) Collect(ch chan<- prometheus.Metric) {
	for _, l := range c.b.LaneStats() {
		ch <- prometheus.MustNewConstMetric(c.queued, prometheus.GaugeValue, float64(l.Waiting), l.Name)
		ch <- prometheus.MustNewConstMetric(c.capacity, prometheus.GaugeValue, float64(l.Queue), l.Name)
		ch <- prometheus.MustNewConstMetric(c.busy, prometheus.GaugeValue, float64(l.Busy), l.Name)
		ch <- prometheus.MustNewConstMetric(c.size, prometheus.GaugeValue, float64(l.Workers), l.Name)
	}
}
