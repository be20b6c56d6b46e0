package main

import (
	"context"
	"fmt"
	"log"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"

	"goweb/bench/internal/result"
	"goweb/pkg/redis"
)

func (e *env) throughput() ([]result.Metric, error) {
	n := e.size(50000, 10000)
	topics := []string{"bench"}
	m, err := e.warmManager()
	if err != nil {
		return nil, err
	}
	defer m.Close()
	q := m.GetQueue()
	cpu := e.cpuMeter()
	single, err := publish(q, n, topics)
	if err != nil {
		return nil, err
	}
	cpu.report(fmt.Sprintf("publish %d msgs, %d goroutines", n, publishers), n)
	if err := e.flush(); err != nil {
		return nil, err
	}
	cpu = e.cpuMeter()
	batch, err := publishBatch(q, n, topics)
	if err != nil {
		return nil, err
	}
	cpu.report(fmt.Sprintf("publish batch %d msgs", n), n)
	if err := e.flush(); err != nil {
		return nil, err
	}
	if _, err := publishBatch(q, n, topics); err != nil { // backlog, untimed
		return nil, err
	}
	cons, err := e.consume(n, topics, concurrency)
	if err != nil {
		return nil, err
	}
	if err := e.flush(); err != nil {
		return nil, err
	}
	traced, err := e.tracedConsume(n)
	if err != nil {
		return nil, err
	}
	return append([]result.Metric{
		{Name: "publish_single_msgs_per_s", Value: rate(n, single), Unit: "msg/s"},
		{Name: "publish_batch_msgs_per_s", Value: rate(n, batch), Unit: "msg/s", Note: fmt.Sprintf("PublishBatch, %d per call", batchSize)},
		{Name: "consume_msgs_per_s", Value: rate(n, cons), Unit: "msg/s"},
	}, traced...), nil
}

// stampedRun subscribes to topic with a handler that records, in ms,
// mono()-at-handler-start minus the stamp under key, lets the consumer
// settle, runs publish and waits until n messages arrived or the deadline
// passed.
func (e *env) stampedRun(topic, key string, n int, settle, deadline time.Duration,
	publish func(*redis.RedisQueue) error) ([]float64, error) {
	var mu sync.Mutex
	samples := make([]float64, 0, n)
	cd := newCountdown(n)
	s, err := e.subscribe([]string{topic}, concurrency, func(_ context.Context, msg *redis.Message) error {
		now := mono()
		st, ok := stamp(msg.Data, key)
		if !ok {
			return redis.SkipRetry(fmt.Errorf("message without %s", key))
		}
		mu.Lock()
		samples = append(samples, float64(now-st)/1e6)
		mu.Unlock()
		cd.hit()
		return nil
	})
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := s.stop(); err != nil {
			log.Printf("%s: %v", topic, err)
		}
	}()
	time.Sleep(settle)

	m, err := e.manager()
	if err != nil {
		return nil, err
	}
	defer m.Close()
	start := time.Now()
	if err := publish(m.GetQueue()); err != nil {
		return nil, err
	}
	select {
	case <-cd.done:
	case <-time.After(deadline - time.Since(start)):
		log.Printf("deadline reached: %d/%d messages arrived", n-int(cd.left.Load()), n)
	}
	mu.Lock()
	defer mu.Unlock()
	return append([]float64(nil), samples...), nil
}

func (e *env) latency() ([]result.Metric, error) {
	n := e.size(1000, 300)
	samples, err := e.stampedRun("latency", "sent_ns", n, time.Second, 30*time.Second, func(q *redis.RedisQueue) error {
		return trickle(n, 5*time.Millisecond, func(o map[string]interface{}) error {
			return q.Publish(context.Background(), "latency", o)
		})
	})
	if err != nil {
		return nil, err
	}
	if len(samples) < n {
		return nil, fmt.Errorf("latency: %d of %d messages arrived within 30 s", len(samples), n)
	}
	return pctMetrics("pickup", samples, fmt.Sprintf("default options, WithConcurrency(%d)", concurrency)), nil
}

func (e *env) delay() ([]result.Metric, error) {
	n := e.size(400, 200)
	samples, err := e.stampedRun("delay", "due_ns", n, 0, 30*time.Second, func(q *redis.RedisQueue) error {
		ctx := context.Background()
		for range n {
			d := time.Second + rand.N(2*time.Second)
			o := order()
			o["due_ns"] = mono() + int64(d)
			if err := q.PublishWithDelay(ctx, "delay", o, d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ms := pctMetrics("delay_late", samples, fmt.Sprintf("PublishWithDelay, WithConcurrency(%d)", concurrency))
	if len(samples) < n {
		ms = append(ms, result.Metric{Name: "delay_received", Value: float64(len(samples)), Unit: "msgs",
			Note: fmt.Sprintf("of %d within 30 s", n)})
	}
	return ms, nil
}

func (e *env) memory() ([]result.Metric, error) {
	n := e.size(50000, 10000)
	m, err := e.manager()
	if err != nil {
		return nil, err
	}
	defer m.Close()
	before, err := e.usedMemory()
	if err != nil {
		return nil, err
	}
	if _, err := publish(m.GetQueue(), n, []string{"memory"}); err != nil {
		return nil, err
	}
	after, err := e.usedMemory()
	if err != nil {
		return nil, err
	}
	return []result.Metric{{Name: "bytes_per_msg", Value: float64(after-before) / float64(n), Unit: "B"}}, nil
}

func (e *env) idle() ([]result.Metric, error) {
	window := time.Duration(e.size(10, 5)) * time.Second
	const k = 5
	s, err := e.subscribe(topicNames("idle", k), concurrency/k, func(context.Context, *redis.Message) error { return nil })
	if err != nil {
		return nil, err
	}
	defer s.stop()
	time.Sleep(3 * time.Second)
	calls, perCmd, secs, err := e.idleCalls(window)
	if err != nil {
		return nil, err
	}
	log.Printf("idle: commands/s by command: %s", describeCalls(perCmd, secs))
	return []result.Metric{{Name: "idle_cmds_per_s", Value: float64(calls) / secs, Unit: "cmd/s",
		Note: fmt.Sprintf("one Manager, %d topics, WithConcurrency(%d) each", k, concurrency/k)}}, nil
}

// idleCalls counts the Redis commands (INFO commandstats, script-internal
// ones included) during window, from now.
func (e *env) idleCalls(window time.Duration) (calls int64, perCmd map[string]int64, secs float64, err error) {
	if err := e.rdb.ConfigResetStat(context.Background()).Err(); err != nil {
		return 0, nil, 0, err
	}
	start := time.Now()
	time.Sleep(window)
	calls, perCmd, err = e.commandCalls()
	return calls, perCmd, time.Since(start).Seconds(), err
}

func describeCalls(perCmd map[string]int64, secs float64) string {
	names := make([]string, 0, len(perCmd))
	for n := range perCmd {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return perCmd[names[i]] > perCmd[names[j]] })
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "%s=%.2f ", n, float64(perCmd[n])/secs)
	}
	return strings.TrimSpace(b.String())
}
