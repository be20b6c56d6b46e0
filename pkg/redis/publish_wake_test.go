package redis

import (
	"context"
	"errors"
	"testing"
	"time"

	"goweb/pkg/redis/internal/keys"
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

// A de-duplicated publish that makes its queue non-empty is announced on
// the topic's push channel, as a plain one is, so the consumers of other
// processes parked on their sweepers take it at once rather than at their
// next sweep; one onto a queue that already holds entries is not.
func TestDedupPublishIsAnnounced(t *testing.T) {
	t.Parallel()
	m := privateManager(t)
	q := m.GetQueue()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const topic = "dedup-announced"
	sub := m.Client().Subscribe(ctx, keys.PushChannel(topic))
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil { // the subscription's confirmation
		t.Fatal(err)
	}
	announced := sub.Channel()
	publish := func(key string) {
		t.Helper()
		if err := q.Publish(ctx, topic, map[string]interface{}{"k": key}, WithDedupKey(key, time.Hour)); err != nil {
			t.Fatalf("publish with key %s: %v", key, err)
		}
	}
	receive := func(what string) {
		t.Helper()
		select {
		case <-announced:
		case <-ctx.Done():
			t.Fatalf("%s: no announcement on %s", what, keys.PushChannel(topic))
		}
	}
	publish("a") // onto the empty queue
	receive("the publish onto the empty queue")
	publish("b") // the queue holds a: not announced
	if err := m.Client().Del(ctx, keys.For(topic).Pending()).Err(); err != nil {
		t.Fatal(err)
	}
	publish("c") // onto the emptied queue
	receive("the publish onto the emptied queue")
	// The announcer sends in order: one for b would have come before c's.
	select {
	case msg := <-announced:
		t.Errorf("an announcement too many: %v (the publish onto a queue holding an entry was announced)", msg)
	default:
	}
}
