package redis_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
)

// A server without replicas stores the message but cannot confirm it: the
// publish fails with ErrNotReplicated, saying how many confirmed; a batch
// WAITs once; WithReplicaAck(0, 0) turns a Manager default off.
func TestReplicaAckWithoutReplicas(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t) // commandstats of our own
	b := setupAddr(t, srv.Addr).with(t, redis.WithDefaultReplicaAck(1, 20*time.Millisecond))
	id, err := b.q.Enqueue(b.ctx, b.topic, map[string]interface{}{"a": 1})
	var nr *redis.NotReplicatedError
	if !errors.Is(err, redis.ErrNotReplicated) || !errors.As(err, &nr) || nr.Want != 1 || nr.Confirmed != 0 {
		t.Fatalf("Publish = %v, want a NotReplicatedError with 0 of 1 confirmed", err)
	}
	if id == "" {
		t.Error("Enqueue returned no id with ErrNotReplicated, though the message is stored")
	}
	if !strings.Contains(err.Error(), "confirmed by 0 of 1 replicas") {
		t.Errorf("error %q does not say how many replicas confirmed", err)
	}
	before := waitCalls(t, b)
	ids, err := b.q.EnqueueBatch(b.ctx, b.topic, []map[string]interface{}{{"a": 2}, {"a": 3}, {"a": 4}}, redis.WithDelay(time.Hour))
	if !errors.Is(err, redis.ErrNotReplicated) {
		t.Fatalf("EnqueueBatch = %v, want ErrNotReplicated", err)
	}
	if len(ids) != 3 {
		t.Errorf("EnqueueBatch returned ids %v with ErrNotReplicated, want the 3 stored", ids)
	}
	if n := waitCalls(t, b) - before; n != 1 {
		t.Errorf("a batch of 3 sent %d WAITs, want 1", n)
	}
	if err := b.q.Publish(b.ctx, b.topic, map[string]interface{}{"a": 5}, redis.WithDedupKey("k", time.Minute)); !errors.Is(err, redis.ErrNotReplicated) {
		t.Errorf("de-duplicated Publish = %v, want ErrNotReplicated", err)
	}
	// The repeat stores nothing, so the WAIT does not matter: a duplicate.
	before = waitCalls(t, b)
	if err := b.q.Publish(b.ctx, b.topic, map[string]interface{}{"a": 5}, redis.WithDedupKey("k", time.Minute)); !errors.Is(err, redis.ErrDuplicate) || errors.Is(err, redis.ErrNotReplicated) {
		t.Errorf("repeated de-duplicated Publish = %v, want ErrDuplicate", err)
	}
	if n := waitCalls(t, b) - before; n != 0 {
		t.Errorf("a duplicate sent %d WAITs, want 0: nothing was written", n)
	}
	if err := b.q.Publish(b.ctx, b.topic, map[string]interface{}{"a": 6}, redis.WithReplicaAck(0, 0)); err != nil {
		t.Errorf("Publish with WithReplicaAck(0, 0) = %v, want nil", err)
	}
	s, err := b.m.Inspector().Stats(b.ctx, b.topic)
	if err != nil {
		t.Fatal(err)
	}
	if s.Pending != 3 || s.Delayed != 3 {
		t.Errorf("pending %d, delayed %d; want 3 and 3: the master keeps what it could not confirm", s.Pending, s.Delayed)
	}
}

func waitCalls(t *testing.T, b *bundle) int {
	t.Helper()
	v, err := redistest.Info(b.ctx, b.m.Client(), "commandstats", "cmdstat_wait")
	if err != nil || v == "" {
		return 0
	}
	// calls=N,usec=...
	calls, _, _ := strings.Cut(strings.TrimPrefix(v, "calls="), ",")
	n, _ := strconv.Atoi(calls)
	return n
}

func TestReplicaAckBounds(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, o := range []redis.PublishOption{
		redis.WithReplicaAck(-1, time.Second),
		redis.WithReplicaAck(redis.MaxReplicaAck+1, time.Second),
		redis.WithReplicaAck(1, 0),
		redis.WithReplicaAck(1, redis.MaxReplicaAckTimeout+time.Second),
	} {
		err := b.q.Publish(b.ctx, b.topic, nil, o)
		if !errors.Is(err, redis.ErrInvalidOption) || !strings.Contains(err.Error(), "WithReplicaAck") {
			t.Errorf("Publish = %v, want ErrInvalidOption naming WithReplicaAck", err)
		}
	}
	if err := b.with(t, redis.WithDefaultReplicaAck(1, 0)).m.Err(); !errors.Is(err, redis.ErrInvalidOption) ||
		!strings.Contains(err.Error(), "WithDefaultReplicaAck") {
		t.Errorf("Err = %v, want ErrInvalidOption naming WithDefaultReplicaAck", err)
	}
}
