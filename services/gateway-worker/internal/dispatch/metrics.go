package dispatch

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"goweb/pkg/redis"
)

// Hooks observe deliveries; Metrics is the service's. They run on the
// handler's goroutine and must be fast.
type Hooks interface {
	// Delivered reports one delivery (or one message held back by the
	// breaker) and the request's duration (0 when none was sent).
	Delivered(topic string, o Outcome, d time.Duration)
	// BreakerChanged reports a route's new breaker state.
	BreakerChanged(topic string, s BreakerState)
}

// Metrics counts deliveries per route for Prometheus and the JSON /metrics.
type Metrics struct {
	deliveries *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	retries    *prometheus.CounterVec
	breaker    *prometheus.GaugeVec

	// series are the routes' series, looked up once by NewMetrics; never
	// written after, so read without the lock.
	series map[string]*routeSeries

	mu     sync.Mutex
	routes map[string]*RouteStats
}

// routeSeries are one route's delivery series.
type routeSeries struct {
	deliveries map[Outcome]prometheus.Counter
	duration   prometheus.Observer
}

// RouteStats is one route's figures in the JSON /metrics.
type RouteStats struct {
	Deliveries map[Outcome]int64 `json:"deliveries"`
	Retries    int64             `json:"retries"`
	Breaker    string            `json:"breaker"`
}

// MetricNames are the metrics NewMetrics registers, for the docs' test.
var MetricNames = []string{
	"gateway_worker_dispatch_deliveries_total",
	"gateway_worker_dispatch_request_duration_seconds",
	"gateway_worker_dispatch_retries_total",
	"gateway_worker_dispatch_breaker_state",
}

// NewMetrics returns the dispatch metrics of topics' routes, every series
// starting at zero. Register them (a *Metrics is a prometheus.Collector)
// where they are served.
func NewMetrics(topics []string) *Metrics {
	const ns, sub = "gateway_worker", "dispatch"
	m := &Metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "deliveries_total",
			Help: "Deliveries per route by outcome (breaker_open: held back, not sent)."}, []string{"topic", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub, Name: "request_duration_seconds",
			Help: "Request duration per route.", Buckets: prometheus.ExponentialBuckets(0.001, 4, 10)}, []string{"topic"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "retries_total",
			Help: "Deliveries that will be retried, per route."}, []string{"topic"}),
		breaker: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "breaker_state",
			Help: "Circuit breaker per route: 0 closed, 1 half-open, 2 open."}, []string{"topic"}),
		series: map[string]*routeSeries{},
		routes: map[string]*RouteStats{},
	}
	for _, t := range topics {
		m.routes[t] = &RouteStats{Deliveries: map[Outcome]int64{}, Breaker: BreakerClosed.String()}
		rs := &routeSeries{deliveries: map[Outcome]prometheus.Counter{}, duration: m.duration.WithLabelValues(t)}
		m.series[t] = rs
		for _, o := range Outcomes {
			rs.deliveries[o] = m.deliveries.WithLabelValues(t, string(o))
			m.routes[t].Deliveries[o] = 0
		}
		m.retries.WithLabelValues(t)
		m.breaker.WithLabelValues(t)
	}
	return m
}

func (m *Metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.deliveries, m.duration, m.retries, m.breaker}
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range m.collectors() {
		c.Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	for _, c := range m.collectors() {
		c.Collect(ch)
	}
}

// Delivered implements Hooks.
func (m *Metrics) Delivered(topic string, o Outcome, d time.Duration) {
	if rs, ok := m.series[topic]; ok {
		rs.deliveries[o].Inc()
		if o != OutcomeBreakerOpen {
			rs.duration.Observe(d.Seconds())
		}
	} else {
		m.deliveries.WithLabelValues(topic, string(o)).Inc()
		if o != OutcomeBreakerOpen {
			m.duration.WithLabelValues(topic).Observe(d.Seconds())
		}
	}
	m.update(topic, func(s *RouteStats) { s.Deliveries[o]++ })
}

// Observe counts the retries of the routed topics; pass it to
// redis.WithObserver beside the service's own observer. Only the queue
// knows whether a failed delivery will be retried or was the last one
// (WORKER_MAX_RETRIES), so the count agrees with the stats' retried: the
// failure that dead-letters is not a retry.
func (m *Metrics) Observe(e redis.Event) {
	if e.Outcome != redis.OutcomeRetried {
		return
	}
	m.mu.Lock()
	s, routed := m.routes[e.Topic]
	if routed {
		s.Retries++
	}
	m.mu.Unlock()
	if routed {
		m.retries.WithLabelValues(e.Topic).Inc()
	}
}

// BreakerChanged implements Hooks.
func (m *Metrics) BreakerChanged(topic string, st BreakerState) {
	m.breaker.WithLabelValues(topic).Set(float64(st))
	m.update(topic, func(s *RouteStats) { s.Breaker = st.String() })
}

func (m *Metrics) update(topic string, fn func(*RouteStats)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.routes[topic]
	if !ok {
		s = &RouteStats{Deliveries: map[Outcome]int64{}, Breaker: BreakerClosed.String()}
		m.routes[topic] = s
	}
	fn(s)
}

// Snapshot returns every route's figures, for the JSON /metrics.
func (m *Metrics) Snapshot() map[string]RouteStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]RouteStats, len(m.routes))
	for t, s := range m.routes {
		c := *s
		c.Deliveries = make(map[Outcome]int64, len(s.Deliveries))
		for o, n := range s.Deliveries {
			c.Deliveries[o] = n
		}
		out[t] = c
	}
	return out
}
