package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"go.uber.org/goleak"

	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/metrics"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type downStats struct{}

func (downStats) StatsOf(context.Context, []string) ([]redis.TopicStats, error) {
	return nil, errors.New("down")
}

// value returns the sum of the series of family name with label
// topic=topic (any topic if empty); histograms count observations.
func value(t *testing.T, m *metrics.Metrics, name, topic string) float64 {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum, found := 0.0, false
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, mt := range f.GetMetric() {
			if topic != "" && label(mt, "topic") != topic {
				continue
			}
			found = true
			sum += mt.GetCounter().GetValue() + mt.GetGauge().GetValue() + float64(mt.GetHistogram().GetSampleCount())
		}
	}
	if !found {
		t.Fatalf("no %s{topic=%q}", name, topic)
	}
	return sum
}

// sample is a metric's expected value, summed over the series with topic
// (all series when topic is "").
type sample struct {
	name, topic string
	want        float64
}

// expect checks each of samples against m.
func expect(t *testing.T, m *metrics.Metrics, samples ...sample) {
	t.Helper()
	for _, c := range samples {
		if got := value(t, m, c.name, c.topic); got != c.want {
			t.Errorf("%s{topic=%q} = %v, want %v", c.name, c.topic, got, c.want)
		}
	}
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func TestObserve(t *testing.T) {
	t.Parallel()
	m := metrics.New(downStats{}, []string{"a"})
	boom := errors.New("boom")
	for _, e := range []redis.Event{
		{Topic: "a", ID: "1", Outcome: redis.OutcomeProcessed, Duration: time.Millisecond},
		{Topic: "a", ID: "2", Outcome: redis.OutcomeRetried, Err: boom},
		{Topic: "a", ID: "2", Outcome: redis.OutcomeDead, Err: boom},
		{Topic: "a", ID: "3", Outcome: redis.OutcomeRequeued},
	} {
		m.Observe(e)
	}
	expect(t, m,
		sample{"gateway_worker_messages_processed_total", "", 1},
		sample{"gateway_worker_messages_failed_total", "", 2},
		sample{"gateway_worker_messages_retried_total", "", 1},
		sample{"gateway_worker_messages_dead_lettered_total", "", 1},
		sample{"gateway_worker_messages_requeued_total", "", 1},
		sample{"gateway_worker_handler_duration_seconds", "", 4},
		sample{"gateway_worker_redis_up", "", 0},
	)
}

func TestInFlightMiddleware(t *testing.T) {
	t.Parallel()
	m := metrics.New(downStats{}, []string{"a"})
	var during float64
	h := m.InFlight(func(context.Context, *redis.Message) error {
		during = value(t, m, "gateway_worker_messages_in_flight", "a")
		return nil
	})
	if err := h(context.Background(), &redis.Message{Topic: "a"}); err != nil {
		t.Fatal(err)
	}
	if after := value(t, m, "gateway_worker_messages_in_flight", "a"); during != 1 || after != 0 {
		t.Errorf("in flight during %v, after %v", during, after)
	}
}

func TestObservePublish(t *testing.T) {
	t.Parallel()
	m := metrics.New(downStats{}, []string{"a"})
	m.ObservePublish(redis.PublishEvent{Topic: "a", Messages: 1})
	m.ObservePublish(redis.PublishEvent{Topic: "a", Messages: 1000})
	m.ObservePublish(redis.PublishEvent{Topic: "a", Messages: 1, Err: redis.ErrDuplicate})
	m.ObservePublish(redis.PublishEvent{Topic: "a", Messages: 3, Err: errors.New("connection refused")})
	m.ObservePublish(redis.PublishEvent{Topic: "a", Messages: 2, Err: fmt.Errorf("%w: OOM", redis.ErrRedisFull)})
	m.ObservePublish(redis.PublishEvent{Topic: "a", Messages: 4, Err: &redis.NotReplicatedError{Want: 1}})
	fams, _ := m.Registry().Gather()
	got := map[string]float64{}
	for _, f := range fams {
		if f.GetName() == "gateway_worker_messages_published_total" {
			for _, mt := range f.GetMetric() {
				got[label(mt, "result")] = mt.Counter.GetValue()
			}
		}
	}
	if got["ok"] != 1001 || got["duplicate"] != 1 || got["error"] != 3 || got["full"] != 2 || got["not_replicated"] != 4 {
		t.Errorf("published %v, want ok 1001, duplicate 1, error 3, full 2, not_replicated 4", got)
	}
}

type fixedStats []redis.TopicStats

func (s fixedStats) StatsOf(context.Context, []string) ([]redis.TopicStats, error) { return s, nil }

// The queue gauges, consumers included, come from the stats at scrape time.
func TestQueueGauges(t *testing.T) {
	t.Parallel()
	m := metrics.New(fixedStats{{Topic: "a", Pending: 5, Delayed: 4, InFlight: 3, Dead: 2, Consumers: 7}}, []string{"a"})
	expect(t, m,
		sample{"gateway_worker_queue_messages", "", 5 + 4 + 3 + 2},
		sample{"gateway_worker_consumers", "", 7},
		sample{"gateway_worker_redis_up", "", 1},
	)
}

// oneBroken answers like the Inspector when one topic has a key of the
// wrong type (see the redis package's WrongTypeKeyBreaksOneTopic).
type oneBroken struct{}

func (oneBroken) StatsOf(context.Context, []string) ([]redis.TopicStats, error) {
	return []redis.TopicStats{
		{Topic: "ok", Pending: 3},
		{Topic: "broken", Error: "a key of the topic holds the wrong kind of value: WRONGTYPE"},
	}, nil
}

// TestOneBrokenTopic covers issue 10's SET mq:user.notification x, which
// made the whole scrape say gateway_worker_redis_up 0.
func TestOneBrokenTopic(t *testing.T) {
	t.Parallel()
	m := metrics.New(oneBroken{}, []string{"ok", "broken"})
	expect(t, m,
		sample{"gateway_worker_redis_up", "", 1},
		sample{"gateway_worker_queue_readable", "ok", 1},
		sample{"gateway_worker_queue_readable", "broken", 0},
		sample{"gateway_worker_queue_messages", "ok", 3},
	)
}
