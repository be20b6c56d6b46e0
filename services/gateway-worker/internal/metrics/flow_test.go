package metrics_test

import (
	"context"
	"testing"
	"time"

	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/metrics"
)

// pausedStats reports topic "a" paused and "b" not.
type pausedStats struct{}

func (pausedStats) StatsOf(context.Context, []string) ([]redis.TopicStats, error) {
	return []redis.TopicStats{{Topic: "a", Paused: true}, {Topic: "b"}}, nil
}

func TestFlowMetrics(t *testing.T) {
	t.Parallel()
	m := metrics.New(pausedStats{}, []string{"a", "b"})
	m.ObserveWait(redis.Wait{Topic: "a", Reason: redis.WaitRateLimit, Duration: 1500 * time.Millisecond})
	m.ObserveWait(redis.Wait{Topic: "a", Reason: redis.WaitRateLimit, Duration: 500 * time.Millisecond})
	m.ObserveWait(redis.Wait{Topic: "b", Reason: redis.WaitConcurrency, Duration: 250 * time.Millisecond})
	expect(t, m,
		sample{"gateway_worker_topic_paused", "a", 1},
		sample{"gateway_worker_topic_paused", "b", 0},
		sample{"gateway_worker_flow_wait_seconds_total", "a", 2},
		sample{"gateway_worker_flow_wait_seconds_total", "b", 0.25},
	)
}
