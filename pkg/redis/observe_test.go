package redis_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"goweb/pkg/redis"
)

func TestObservePublishes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var mu sync.Mutex
	var got []redis.PublishEvent
	b.q.ObservePublishes(func(e redis.PublishEvent) {
		mu.Lock()
		got = append(got, e)
		mu.Unlock()
	})
	data := map[string]interface{}{"n": 1}
	_ = b.q.Publish(b.ctx, b.topic, data)
	_ = b.q.PublishWithDelay(b.ctx, b.topic, data, time.Hour)
	_ = b.q.Publish(b.ctx, b.topic, data, redis.WithDedupKey("k", time.Minute))
	_ = b.q.Publish(b.ctx, b.topic, data, redis.WithDedupKey("k", time.Minute))
	_ = b.q.PublishBatch(b.ctx, b.topic, []map[string]interface{}{data, data, data})
	_ = b.q.Publish(b.ctx, b.topic, map[string]interface{}{"x": strings.Repeat("a", 2<<20)})
	_ = b.q.Publish(b.ctx, "bad topic", data)                                // not reported
	_ = b.q.PublishBatch(b.ctx, "bad topic", []map[string]interface{}{data}) // not reported
	b.q.ObservePublishes(nil)
	_ = b.q.Publish(b.ctx, b.topic, data) // no observer any more

	want := []struct {
		n   int
		err error
	}{{1, nil}, {1, nil}, {1, nil}, {1, redis.ErrDuplicate}, {3, nil}, {1, redis.ErrPayloadTooLarge}}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		e := got[i]
		if e.Topic != b.topic || e.Messages != w.n || (w.err == nil) != (e.Err == nil) || (w.err != nil && !errors.Is(e.Err, w.err)) {
			t.Errorf("event %d: %+v, want %d messages, error %v", i, e, w.n, w.err)
		}
	}
}
