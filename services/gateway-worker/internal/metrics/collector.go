package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	depthDesc = prometheus.NewDesc(namespace+"_queue_messages",
		"Messages in the queue by state (pending, delayed, in_flight, dead), read from Redis at scrape time.",
		[]string{"topic", "state"}, nil)
	consumersDesc = prometheus.NewDesc(namespace+"_consumers",
		"Consumers holding a lease on the topic, across all replicas, read from Redis at scrape time.",
		[]string{"topic"}, nil)
	pausedDesc = prometheus.NewDesc(namespace+"_topic_paused",
		"1 while the topic is paused (POST /v1/topics/{topic}/pause), read from Redis at scrape time.",
		[]string{"topic"}, nil)
	upDesc = prometheus.NewDesc(namespace+"_redis_up",
		"1 if the queue state could be read from Redis at scrape time.", nil, nil)
	readableDesc = prometheus.NewDesc(namespace+"_queue_readable",
		"1 if the topic's state could be read at scrape time, 0 if its keys are broken (a key of the wrong type).",
		[]string{"topic"}, nil)
)

// queueCollector reads queue depths from Redis when scraped, so counting
// them costs nothing between scrapes.
type queueCollector struct {
	stats  StatsSource
	topics []string
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- depthDesc
	ch <- consumersDesc
	ch <- pausedDesc
	ch <- upDesc
	ch <- readableDesc
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	all, err := c.stats.StatsOf(ctx, c.topics)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, 1)
	for _, s := range all {
		if s.Error != "" {
			// One broken topic: Redis is up and the others keep their numbers.
			ch <- prometheus.MustNewConstMetric(readableDesc, prometheus.GaugeValue, 0, s.Topic)
			continue
		}
		ch <- prometheus.MustNewConstMetric(readableDesc, prometheus.GaugeValue, 1, s.Topic)
		for state, n := range map[string]int64{"pending": s.Pending, "delayed": s.Delayed, "in_flight": s.InFlight, "dead": s.Dead} {
			ch <- prometheus.MustNewConstMetric(depthDesc, prometheus.GaugeValue, float64(n), s.Topic, state)
		}
		ch <- prometheus.MustNewConstMetric(consumersDesc, prometheus.GaugeValue, float64(s.Consumers), s.Topic)
		paused := 0.0
		if s.Paused {
			paused = 1
		}
		ch <- prometheus.MustNewConstMetric(pausedDesc, prometheus.GaugeValue, paused, s.Topic)
	}
}
