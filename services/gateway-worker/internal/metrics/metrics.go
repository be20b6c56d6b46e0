// Package metrics exposes the worker's Prometheus metrics. Nothing here is
// on the hot path of a handler beyond a gauge and a few counter updates:
// message outcomes come from the queue's observer, in-flight counts from a
// middleware, and queue depths are read from Redis only when scraped.
package metrics

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"goweb/pkg/redis"
)

const namespace = "gateway_worker"

// Metrics holds the worker's metrics in a registry of its own.
type Metrics struct {
	reg       *prometheus.Registry
	processed *prometheus.CounterVec
	failed    *prometheus.CounterVec
	retried   *prometheus.CounterVec
	dead      *prometheus.CounterVec
	requeued  *prometheus.CounterVec
	published *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	inFlight  *prometheus.GaugeVec
	waited    *prometheus.CounterVec
}

// StatsSource reads queue state at scrape time; *redis.Inspector is one.
type StatsSource interface {
	StatsOf(ctx context.Context, topics []string) ([]redis.TopicStats, error)
}

// New registers the metrics for topics, which start at zero so that
// dashboards and alerts see every topic from the first scrape. Queue depths
// are read from stats at each scrape.
func New(stats StatsSource, topics []string) *Metrics {
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help}, labels)
	}
	m := &Metrics{
		reg:       prometheus.NewRegistry(),
		processed: counter("messages_processed_total", "Messages handled successfully by this process.", "topic"),
		failed:    counter("messages_failed_total", "Failed handler attempts in this process.", "topic"),
		retried:   counter("messages_retried_total", "Retries scheduled by this process.", "topic"),
		dead:      counter("messages_dead_lettered_total", "Messages dead-lettered by this process.", "topic"),
		requeued:  counter("messages_requeued_total", "Messages handed back to the queue at shutdown.", "topic"),
		published: counter("messages_published_total", "Messages published by this process, by result.", "topic", "result"),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "handler_duration_seconds", Help: "Handler run time.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10), // 1ms .. ~4.4min
		}, []string{"topic", "outcome"}),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: namespace, Name: "messages_in_flight", Help: "Handlers running now in this process.",
		}, []string{"topic"}),
		waited: counter("flow_wait_seconds_total",
			"Time this process's consumers waited for flow control, by reason: rate_limit (a token), concurrency (a global slot), paused.",
			"topic", "reason"),
	}
	m.reg.MustRegister(m.processed, m.failed, m.retried, m.dead, m.requeued, m.published, m.duration, m.inFlight, m.waited,
		&queueCollector{stats: stats, topics: topics},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, t := range topics {
		for _, c := range []*prometheus.CounterVec{m.processed, m.failed, m.retried, m.dead, m.requeued} {
			c.WithLabelValues(t)
		}
		m.inFlight.WithLabelValues(t)
		m.published.WithLabelValues(t, "ok")
		for _, r := range []redis.WaitReason{redis.WaitRateLimit, redis.WaitConcurrency, redis.WaitPaused} {
			m.waited.WithLabelValues(t, string(r))
		}
	}
	return m
}

// Observe records one settled delivery; pass it to redis.WithObserver.
func (m *Metrics) Observe(e redis.Event) {
	// A deferred message (a route's breaker holding it) did not fail.
	if e.Err != nil && e.Outcome != redis.OutcomeDeferred {
		m.failed.WithLabelValues(e.Topic).Inc()
	}
	switch e.Outcome {
	case redis.OutcomeProcessed:
		m.processed.WithLabelValues(e.Topic).Inc()
	case redis.OutcomeRetried:
		m.retried.WithLabelValues(e.Topic).Inc()
	case redis.OutcomeDead:
		m.dead.WithLabelValues(e.Topic).Inc()
	case redis.OutcomeRequeued:
		m.requeued.WithLabelValues(e.Topic).Inc()
	}
	if e.ID != "" { // an undecodable entry never reached a handler
		m.duration.WithLabelValues(e.Topic, string(e.Outcome)).Observe(e.Duration.Seconds())
	}
}

// InFlight is middleware keeping the in-flight gauge.
func (m *Metrics) InFlight(next redis.MessageHandler) redis.MessageHandler {
	return func(ctx context.Context, msg *redis.Message) error {
		g := m.inFlight.WithLabelValues(msg.Topic)
		g.Inc()
		defer g.Dec()
		return next(ctx, msg)
	}
}

// ObserveWait records one wait for flow control; pass it to
// redis.WithWaitObserver.
func (m *Metrics) ObserveWait(w redis.Wait) {
	m.waited.WithLabelValues(w.Topic, string(w.Reason)).Add(w.Duration.Seconds())
}

// SubscribeOptions returns the options that feed these metrics; each of
// also observes the settled deliveries too (a topic has one observer).
func (m *Metrics) SubscribeOptions(also ...func(redis.Event)) []redis.SubscribeOption {
	observe := m.Observe
	if len(also) > 0 {
		observe = func(e redis.Event) {
			m.Observe(e)
			for _, fn := range also {
				fn(e)
			}
		}
	}
	return []redis.SubscribeOption{redis.WithObserver(observe), redis.WithMiddleware(m.InFlight), redis.WithWaitObserver(m.ObserveWait)}
}

// Handler serves the metrics in Prometheus text or OpenMetrics format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorHandling:     promhttp.ContinueOnError,
		EnableOpenMetrics: true,
		Timeout:           10 * time.Second,
	})
}

// Registry returns the registry, for tests and for adding metrics.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }
