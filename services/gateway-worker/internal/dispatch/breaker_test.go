package dispatch_test

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/dispatch"
)

// TestBreakerHoldsMessagesWithoutUsingAttempts: the breaker opens after
// the configured failures in a row, holds the backlog in Redis without
// spending attempts, then probes, and closes once the endpoint recovers:
// each message's attempt number counts only the requests actually sent.
func TestBreakerHoldsMessagesWithoutUsingAttempts(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var healthy atomic.Bool
	b.recv.set(func(n int, w http.ResponseWriter, r *http.Request) {
		if !healthy.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
		}
	})
	reg := prometheus.NewRegistry()
	metrics := dispatch.NewMetrics([]string{b.topic})
	reg.MustRegister(metrics)
	const cooldown = 500 * time.Millisecond
	d := b.start(t, dispatch.Config{
		Routes:  []dispatch.Route{b.route(t, nil)},
		Breaker: dispatch.BreakerConfig{Failures: 3, Cooldown: cooldown},
		Hooks:   metrics,
	}, redis.WithMaxRetries(10), redis.WithConcurrency(1), redis.WithBackoff(redis.ConstantBackoff(10*time.Millisecond)))
	const n = 20
	for i := 0; i < n; i++ {
		b.publish(t, map[string]interface{}{"n": i})
	}
	eventually(t, "breaker open", func() bool { return d.BreakerState(b.topic) == dispatch.BreakerOpen })
	sent := b.recv.count()
	if sent != 3 {
		t.Errorf("%d requests before the breaker opened, want 3", sent)
	}
	held := func() float64 {
		return metricValue(t, reg, "gateway_worker_dispatch_deliveries_total", map[string]string{"topic": b.topic, "outcome": "breaker_open"})
	}
	eventually(t, "messages held back", func() bool { return held() >= n-3 })
	if got := metricValue(t, reg, "gateway_worker_dispatch_breaker_state", map[string]string{"topic": b.topic}); got != float64(dispatch.BreakerOpen) {
		t.Errorf("breaker_state gauge = %v, want 2 (open)", got)
	}
	// A failed probe reopens it.
	eventually(t, "a failed probe", func() bool { return b.recv.count() > sent })
	eventually(t, "open again after the probe", func() bool { return d.BreakerState(b.topic) == dispatch.BreakerOpen })
	healthy.Store(true)
	eventually(t, "every message delivered", func() bool { return b.stats(t).Processed == n })
	if d.BreakerState(b.topic) != dispatch.BreakerClosed {
		t.Errorf("breaker %v after recovery, want closed", d.BreakerState(b.topic))
	}
	s := b.stats(t)
	sentPerID := map[string]int{}
	for _, r := range b.recv.all() {
		id := r.header.Get("Webhook-Id")
		sentPerID[id]++
		if got := r.header.Get(dispatch.HeaderAttempt); got != strconv.Itoa(sentPerID[id]) {
			t.Errorf("message %s: request %d was attempt %s: attempts were spent while held", id, sentPerID[id], got)
		}
	}
	if s.Dead != 0 || len(sentPerID) != n {
		t.Errorf("%d dead letters, %d messages sent", s.Dead, len(sentPerID))
	}
	// Only real requests fail: 3 before opening plus the failed probes.
	if failedRequests := int64(b.recv.count()) - n; s.Failed != failedRequests {
		t.Errorf("failed attempts = %d, want %d (the failed requests), none for held messages", s.Failed, failedRequests)
	}
	if snap := metrics.Snapshot()[b.topic]; snap.Breaker != "closed" || snap.Deliveries[dispatch.Outcome2xx] != n || snap.Deliveries[dispatch.OutcomeBreakerOpen] == 0 {
		t.Errorf("snapshot = %+v", snap)
	}
}

// metricValue reads one series of a gathered counter or gauge.
func metricValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if labels[l.GetName()] != l.GetValue() {
					continue series
				}
			}
			if m.GetCounter() != nil {
				return m.GetCounter().GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	t.Fatalf("no series %s%v", name, labels)
	return 0
}
