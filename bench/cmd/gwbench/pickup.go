package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"math/rand/v2"
	"sync"
	"time"

	"goweb/bench/internal/result"
	"goweb/pkg/redis"
)

// pickupEvery is the pace of the topics workload's trickles.
const pickupEvery = 10 * time.Millisecond

// pickups is the topics workload's handler: it records, by the way the
// messages were sent (their "via"), how long each took from the sender's
// stamp to its handler's start, in ms.
type pickups struct {
	mu sync.Mutex
	ms map[string][]float64
}

func newPickups() *pickups { return &pickups{ms: map[string][]float64{}} }

func (p *pickups) handle(_ context.Context, msg *redis.Message) error {
	now := mono()
	sent, ok := stamp(msg.Data, "sent_ns")
	if !ok {
		return redis.SkipRetry(fmt.Errorf("message without sent_ns"))
	}
	via, _ := msg.Data["via"].(string)
	p.mu.Lock()
	p.ms[via] = append(p.ms[via], float64(now-sent)/1e6)
	p.mu.Unlock()
	return nil
}

// of returns a copy of the pickups of the messages sent via.
func (p *pickups) of(via string) []float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]float64(nil), p.ms[via]...)
}

// envelope is an entry as a producer in another language writes it
// (docs/wire-format.md), for example with JavaScript's JSON.stringify:
// compact, in the order written.
type envelope struct {
	ID   string                 `json:"id"`
	TS   int64                  `json:"ts"`
	Data map[string]interface{} `json:"data"`
}

// pickupMetrics trickles messages, one every pickupEvery, onto random ones
// of topics, which p's subscription holds idle, and reports their pickups'
// p50, p90 and p99 (issue #14): first published with the library from a
// Manager of its own, as another process would (a publish on the
// subscribing Manager wakes its consumer in process, which is not the case
// measured); then pushed with a plain LPUSH of an envelope by a go-redis
// client, as a producer in another language does, with no announcement.
func (e *env) pickupMetrics(p *pickups, topics []string) ([]result.Metric, error) {
	n := e.size(300, 100)
	m, err := e.manager()
	if err != nil {
		return nil, err
	}
	defer m.Close()
	ctx, q := context.Background(), m.GetQueue()
	senders := []struct {
		via, how string
		send     func(topic string, body map[string]interface{}) error
	}{
		{"publish", "Publish from another Manager", func(t string, body map[string]interface{}) error {
			return q.Publish(ctx, t, body)
		}},
		{"lpush", "a plain LPUSH mq:<topic> of {id, ts, data} on a go-redis client", func(t string, body map[string]interface{}) error {
			b, err := json.Marshal(envelope{ID: fmt.Sprintf("lpush-%d", body["sent_ns"]), TS: time.Now().UnixMilli(), Data: body})
			if err != nil {
				return err
			}
			return e.rdb.LPush(ctx, redis.PendingKey(t), b).Err()
		}},
	}
	var ms []result.Metric
	for _, s := range senders {
		if err := trickle(n, pickupEvery, func(body map[string]interface{}) error {
			body["via"] = s.via
			return s.send(topics[rand.IntN(len(topics))], body)
		}); err != nil {
			return nil, fmt.Errorf("%s: %w", s.via, err)
		}
		if err := waitFor(30*time.Second, func() bool { return len(p.of(s.via)) >= n }); err != nil {
			log.Printf("topics: %d topics, %s: %d/%d messages handled within 30 s", len(topics), s.via, len(p.of(s.via)), n)
		}
		got := p.of(s.via)
		prefix := fmt.Sprintf("topics_%d_pickup_%s", len(topics), s.via)
		note := fmt.Sprintf("%d messages, one every %v onto random ones of %d idle topics, sent with %s", n, pickupEvery, len(topics), s.how)
		pm := pctMetrics(prefix, got, note, "p50", "p90", "p99", "max")
		for _, x := range pm {
			log.Printf("topics: %s %.2f ms", x.Name, x.Value)
		}
		ms = append(ms, pm...)
		if len(got) < n {
			ms = append(ms, result.Metric{Name: prefix + "_received", Value: float64(len(got)), Unit: "msgs", Note: note})
		}
	}
	return ms, nil
}
