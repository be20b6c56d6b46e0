package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"goweb/pkg/redis"
)

var (
	policyDesc = prometheus.NewDesc(namespace+"_redis_maxmemory_policy",
		"1, labelled with Redis' maxmemory-policy read at scrape time (from CONFIG GET, else INFO memory; \"unknown\" where both are denied); every policy but noeviction may delete queued messages.",
		[]string{"policy"}, nil)
	evictsDesc = prometheus.NewDesc(namespace+"_redis_may_evict",
		"1 if Redis' maxmemory-policy may delete queue keys when Redis is full (any policy but noeviction, and an unknown one), read at scrape time.",
		nil, nil)
)

// PolicySource reads Redis' maxmemory-policy, "" when the server will not
// tell; (*redis.Manager).MaxMemoryPolicy is one.
type PolicySource func(ctx context.Context) (string, error)

// ExposePolicy adds the maxmemory-policy gauges, read from read at each
// scrape.
func (m *Metrics) ExposePolicy(read PolicySource) {
	m.reg.MustRegister(&policyCollector{read: read})
}

type policyCollector struct{ read PolicySource }

func (c *policyCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- policyDesc
	ch <- evictsDesc
}

func (c *policyCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	policy, err := c.read(ctx)
	if err != nil {
		return // gateway_worker_redis_up says Redis is down
	}
	evicts := 0.0
	if redis.Evicts(policy) {
		evicts = 1
	}
	if policy == "" {
		policy = "unknown"
	}
	ch <- prometheus.MustNewConstMetric(policyDesc, prometheus.GaugeValue, 1, policy)
	ch <- prometheus.MustNewConstMetric(evictsDesc, prometheus.GaugeValue, evicts)
}
