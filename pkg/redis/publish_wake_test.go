package redis

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A publish that queues an entry at once wakes the consumers of its topic
// parked on the sweeper before it returns: a plain one, a de-duplicated
// one (as every periodic tick is; it used to wait for the next sweep) and
// a batch. A delayed one does not (its promoter does, when due), nor a
// duplicate, which stored nothing. enqueueOne pokes from one place, after
// whichever way it stored the entry.
func TestPublishWakesParkedConsumers(t *testing.T) {
	t.Parallel()
	q := privateManager(t).GetQueue()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const topic = "wake"
	data := map[string]interface{}{"n": 1}
	for _, tc := range []struct {
		name    string
		publish func() error
		wakes   bool
	}{
		{"plain", func() error { return q.Publish(ctx, topic, data) }, true},
		{"de-duplicated", func() error { return q.Publish(ctx, topic, data, WithDedupKey("k", time.Hour)) }, true},
		{"duplicate", func() error {
			if err := q.Publish(ctx, topic, data, WithDedupKey("k", time.Hour)); !errors.Is(err, ErrDuplicate) {
				t.Errorf("the second publish with key k: %v, want ErrDuplicate", err)
			}
			return nil
		}, false},
		{"batch", func() error { return q.PublishBatch(ctx, topic, []map[string]interface{}{data, data}) }, true},
		{"delayed", func() error { return q.PublishWithDelay(ctx, topic, data, time.Hour) }, false},
	} {
		woken := false
		unpark := q.sharing.sweeper.await(topic, func() { woken = true }) // called under the sweeper's lock
		if err := tc.publish(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		unpark()
		q.sharing.sweeper.mu.Lock()
		got := woken
		q.sharing.sweeper.mu.Unlock()
		if got != tc.wakes {
			t.Errorf("%s publish: parked consumer woken %v, want %v", tc.name, got, tc.wakes)
		}
	}
}
