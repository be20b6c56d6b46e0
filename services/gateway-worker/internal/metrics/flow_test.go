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
	for _, tc := range []struct {
		name, topic string
		want        float64
	}{
		{"gateway_worker_topic_paused", "a", 1},
		{"gateway_worker_topic_paused", "b", 0},
		{"gateway_worker_flow_wait_seconds_total", "a", 2},
		{"gateway_worker_flow_wait_seconds_total", "b", 0.25},
	} {
		if got := value(t, m, tc.name, tc.topic); got != tc.want {
			t.Errorf("%s{topic=%q} = %v, want %v", tc.name, tc.topic, got, tc.want)
		}
	}
}
