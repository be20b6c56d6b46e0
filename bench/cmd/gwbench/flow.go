package main

import (
	"context"
	"fmt"
	"math"
	"time"

	"goweb/bench/internal/result"
	"goweb/pkg/redis"
)

// flow measures what flow control costs and how exact it is: the consume
// workload of throughput with a rate limit far above what it reaches (to
// compare with consume_msgs_per_s), and the rate three consumer processes
// achieve under a shared 1000/s, counted after the first second so the
// initial burst does not count.
func (e *env) flow() ([]result.Metric, error) {
	n := e.size(50000, 10000)
	m, err := e.warmManager()
	if err != nil {
		return nil, err
	}
	defer m.Close()
	q := m.GetQueue()

	topics := []string{"flow.far"}
	if _, err := publishBatch(q, n, topics); err != nil {
		return nil, err
	}
	far := redis.RateLimit{N: redis.MaxRateLimitN, Per: time.Second}
	limited, err := e.consume(n, topics, concurrency, redis.WithRateLimit(far))
	if err != nil {
		return nil, err
	}

	const limit, procs = 1000, 3
	window := time.Duration(e.size(10, 4)) * time.Second
	topic := "flow.shared"
	if _, err := publishBatch(q, int(float64(limit)*(window+2*time.Second).Seconds()*1.5), []string{topic}); err != nil {
		return nil, err
	}
	kids, err := e.startChildren(procs, topic, "-child-rate", fmt.Sprintf("%d/s", limit))
	if err != nil {
		return nil, err
	}
	defer kids.stop()
	if err := kids.start(); err != nil {
		return nil, err
	}
	insp := m.Inspector()
	processed := func() (int64, time.Time, error) {
		st, err := insp.Stats(context.Background(), topic)
		if err != nil {
			return 0, time.Time{}, err
		}
		return st.Processed, time.Now(), nil
	}
	time.Sleep(time.Second + 500*time.Millisecond) // past the burst of 1000
	from, fromAt, err := processed()
	if err != nil {
		return nil, err
	}
	time.Sleep(window)
	to, toAt, err := processed()
	if err != nil {
		return nil, err
	}
	achieved := float64(to-from) / toAt.Sub(fromAt).Seconds()
	return []result.Metric{
		{Name: "flow_rate_limited_consume_msgs_per_s", Value: rate(n, limited), Unit: "msg/s",
			Note: fmt.Sprintf("consume with WithRateLimit(%v), never reached", far)},
		{Name: "flow_rate_1000_3procs_msgs_per_s", Value: achieved, Unit: "msg/s",
			Note: fmt.Sprintf("%d child processes sharing %d/s, over %v after the burst; off by %.1f%%",
				procs, limit, window, 100*math.Abs(achieved-limit)/limit)},
	}, nil
}
