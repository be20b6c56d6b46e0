package handlers_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
	"goweb/services/gateway-worker/internal/handlers"
	"goweb/services/gateway-worker/internal/servicetest"
	"goweb/services/gateway-worker/internal/worker"
)

// records returns the JSON log records with message msg.
func records(t *testing.T, buf *servicetest.Buffer, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

func newLog() (*servicetest.Buffer, logger.Logger) {
	buf := &servicetest.Buffer{}
	return buf, logger.NewWithOptions(logger.Options{Output: buf})
}

func TestLogHandlerLogsTheMessage(t *testing.T) {
	t.Parallel()
	buf, log := newLog()
	msg := &redis.Message{ID: "m1", Topic: "order.reminder", Attempt: 2, Data: map[string]interface{}{"order_id": "12345"}}
	if err := handlers.Log(log)(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	recs := records(t, buf, "message received")
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	r := recs[0]
	if r["level"] != "INFO" || r["topic"] != "order.reminder" || r["message_id"] != "m1" || r["attempt"] != 2.0 ||
		r["data"].(map[string]any)["order_id"] != "12345" {
		t.Errorf("record %v", r)
	}
}

func TestRegisterPredefined(t *testing.T) {
	t.Parallel()
	var reg worker.Registry
	handlers.Register(&reg, logger.Nop(), handlers.NewCleaner(nil, time.Hour, logger.Nop()))
	if err := reg.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{"order.reminder", "user.notification", "system.cleanup", "payment.retry", "inventory.alert"}
	if got := reg.Topics(); !slices.Equal(got, want) {
		t.Errorf("topics %v, want %v", got, want)
	}
}

// system.cleanup removes dead letters past the retention and expired
// markers, and keeps the rest.
func TestCleanupRemovesOldDeadLettersAndExpiredMarkers(t *testing.T) {
	t.Parallel()
	m := newManager(t)
	q := m.GetQueue()
	ctx := context.Background()
	topic := redistest.Topic(t)

	// One dead letter, one idempotency marker and one de-duplication key,
	// the markers with a 1ms lifetime.
	if err := q.Publish(ctx, topic, map[string]interface{}{"n": 1}); err != nil {
		t.Fatal(err)
	}
	consume(t, q, topic, 1, func(context.Context, *redis.Message) error { return redis.SkipRetry(errors.New("boom")) })
	if err := q.Publish(ctx, topic, map[string]interface{}{"n": 2}, redis.WithDedupKey("k", time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	consume(t, q, topic, 1, func(context.Context, *redis.Message) error { return nil },
		redis.WithMiddleware(redis.Idempotent(q, time.Millisecond)))

	buf, log := newLog()
	cleaner := handlers.NewCleaner(m.Inspector(), time.Hour, log)
	markers := int64(0)
	eventually(t, "expired markers removed", func() bool {
		rep, err := cleaner.Clean(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if rep.DeadLetters[topic] != 0 {
			t.Fatalf("a fresh dead letter was removed with a 1h retention")
		}
		markers += rep.Markers[topic]
		return markers == 2
	})

	cleaner = handlers.NewCleaner(m.Inspector(), time.Millisecond, log)
	eventually(t, "old dead letter removed", func() bool {
		err := cleaner.Handle(ctx, &redis.Message{ID: "c1", Topic: handlers.TopicSystemCleanup, Attempt: 1})
		if err != nil {
			t.Fatal(err)
		}
		st, err := m.Inspector().Stats(ctx, topic)
		return err == nil && st.Dead == 0
	})
	var removed float64
	for _, r := range records(t, buf, "cleanup done") {
		n, _ := r["dead_letters_by_topic"].(map[string]any)[topic].(float64)
		removed += n
	}
	if removed != 1 {
		t.Errorf("cleanup logs report %v dead letters of %s removed, want 1", removed, topic)
	}
}

// A large message is logged as its first MaxLoggedData bytes and its
// size, not whole.
func TestLogHandlerCapsLargeData(t *testing.T) {
	t.Parallel()
	buf, log := newLog()
	big := strings.Repeat("é", 450_000) // 900 KB of two-byte runes
	msg := &redis.Message{ID: "m1", Topic: "order.reminder", Attempt: 1, Data: map[string]interface{}{"blob": big}}
	if err := handlers.Log(log)(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	if n := len(buf.String()); n > 2*handlers.MaxLoggedData {
		t.Fatalf("a 900 KB message made a %d-byte log line", n)
	}
	recs := records(t, buf, "message received")
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	r := recs[0]
	data, _ := r["data"].(string)
	if r["data_bytes"] != float64(len(`{"blob":"`)+len(big)+len(`"}`)) || r["data_truncated"] != true ||
		!strings.HasPrefix(data, `{"blob":"éé`) || !strings.HasSuffix(data, "é…") || len(data) > handlers.MaxLoggedData+len("…") {
		t.Errorf("record %v", r)
	}
}
