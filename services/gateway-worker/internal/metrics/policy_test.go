package metrics_test

import (
	"context"
	"errors"
	"testing"

	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/metrics"
)

// The maxmemory-policy gauges say what Redis answered, "unknown" where it
// would not tell, and nothing while Redis is down (issue 15 part 3).
func TestPolicyGauges(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		answer string
		err    error
		policy string
		evicts float64
	}{
		{answer: "noeviction", policy: "noeviction", evicts: 0},
		{answer: "allkeys-lru", policy: "allkeys-lru", evicts: 1},
		{answer: "", policy: "unknown", evicts: 1}, // not ruled out: not "safe"
		{err: errors.New("down")},
	} {
		m := metrics.New(downStats{}, nil)
		m.ExposePolicy(func(context.Context) (string, error) { return tc.answer, tc.err })
		fams, err := m.Registry().Gather()
		if err != nil {
			t.Fatal(err)
		}
		got, evicts := "", -1.0
		for _, f := range fams {
			switch f.GetName() {
			case "gateway_worker_redis_maxmemory_policy":
				got = label(f.GetMetric()[0], "policy")
			case "gateway_worker_redis_may_evict":
				evicts = f.GetMetric()[0].GetGauge().GetValue()
			}
		}
		if tc.err != nil {
			if got != "" || evicts != -1 {
				t.Errorf("Redis down: policy %q, may_evict %v; want neither", got, evicts)
			}
			continue
		}
		if got != tc.policy || evicts != tc.evicts || redis.Evicts(tc.answer) != (tc.evicts == 1) {
			t.Errorf("answer %q: policy %q, may_evict %v; want %q, %v", tc.answer, got, evicts, tc.policy, tc.evicts)
		}
	}
}
