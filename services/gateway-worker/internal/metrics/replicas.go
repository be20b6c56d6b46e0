package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

var replicasDesc = prometheus.NewDesc(namespace+"_redis_connected_replicas",
	"Replicas connected to the Redis master (INFO replication; on a cluster the fewest of any master), read at scrape time; a publish with REDIS_WAIT_REPLICAS fails unless this is at least that.",
	nil, nil)

// ReplicaSource counts the replicas connected to the master, -1 when the
// server will not tell; (*redis.Manager).ConnectedReplicas is one.
type ReplicaSource func(ctx context.Context) (int, error)

// ExposeReplicas adds gateway_worker_redis_connected_replicas, read from
// read at each scrape.
func (m *Metrics) ExposeReplicas(read ReplicaSource) {
	m.reg.MustRegister(&replicaCollector{read: read})
}

type replicaCollector struct{ read ReplicaSource }

func (c *replicaCollector) Describe(ch chan<- *prometheus.Desc) { ch <- replicasDesc }

func (c *replicaCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n, err := c.read(ctx)
	if err != nil || n < 0 {
		return // Redis down (gateway_worker_redis_up says so), or not telling
	}
	ch <- prometheus.MustNewConstMetric(replicasDesc, prometheus.GaugeValue, float64(n))
}
