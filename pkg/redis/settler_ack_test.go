package redis

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/logger"
	"goweb/pkg/redis/internal/keys"
	"goweb/pkg/redis/redistest"
)

// ackBundle is a settler whose ack loop settles tokens held in flight on
// a private redis-server, on the shared path (lazy) or the per-topic one,
// with a fake clock for the idle wait.
type ackBundle struct {
	s   *settler
	c   goredis.UniversalClient
	clk *clockwork.FakeClock
	ctx context.Context
}

// ackAhead is how many acks the bundle's settler holds queued: more than
// one ack.lua call takes.
const ackAhead = maxAckBatch + 500

func ackSetup(t *testing.T, lazy bool) *ackBundle {
	t.Helper()
	c := privateClient(t)
	clk := clockwork.NewFakeClock()
	q := &RedisQueue{client: c, log: logger.Nop(), clock: clk, rclock: newRedisClock(clk, nil),
		sharing: &sharing{client: c, pipe: newScriptPipe(c)}}
	t.Cleanup(q.sharing.pipe.close)
	q.sharing.on.Store(lazy)
	s := newSettler(q, keys.For("acks"), "c1", newWindow(1, 0, ackAhead), &subscribeOptions{}, ackAhead,
		newThrottle(q.log, clk, time.Second))
	s.gate = &gate{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return &ackBundle{s: s, c: c, clk: clk, ctx: ctx}
}

// hold puts tokens from to to (included) in flight, as a fetch would.
func (b *ackBundle) hold(t *testing.T, from, to int) {
	t.Helper()
	args := make([]interface{}, 0, 2*(to-from+1))
	for tok := from; tok <= to; tok++ {
		args = append(args, strconv.Itoa(tok), "entry")
	}
	if err := b.c.HSet(b.ctx, b.s.keys.Inflight(b.s.cid), args...).Err(); err != nil {
		t.Fatal(err)
	}
}

// settled tells how many acks ack.lua counted and how many tokens are
// still in flight.
func (b *ackBundle) settled(t *testing.T) (processed, inflight int) {
	t.Helper()
	processed, err := b.c.HGet(b.ctx, b.s.keys.Stats(), "processed").Int()
	if err != nil && err != goredis.Nil {
		t.Fatal(err)
	}
	n, err := b.c.HLen(b.ctx, b.s.keys.Inflight(b.s.cid)).Result()
	if err != nil {
		t.Fatal(err)
	}
	return processed, int(n)
}

// awaitSettled waits until want acks were counted and left tokens are
// still in flight.
func (b *ackBundle) awaitSettled(t *testing.T, want, left int) {
	t.Helper()
	redistest.Eventually(t, 10*time.Second, strconv.Itoa(want)+" acks settled", func() bool {
		p, n := b.settled(t)
		return p == want && n == left
	})
}

// running is how many ack loops the settler's crew counts.
func (b *ackBundle) running() int {
	b.s.runs.mu.Lock()
	defer b.s.runs.mu.Unlock()
	return b.s.runs.running
}

// idleOut lets the ack loop's idle wait run out, and waits for it to leave.
func (b *ackBundle) idleOut(t *testing.T) {
	t.Helper()
	if err := b.clk.BlockUntilContext(b.ctx, 1); err != nil { // the idle timer
		t.Fatal(err)
	}
	b.clk.Advance(workerIdle)
	redistest.Eventually(t, 10*time.Second, "the idle ack loop to leave", func() bool { return b.running() == 0 })
}

// On the shared path the ack loop starts with the first ack, not with the
// consumer, leaves after idling, and the next ack starts it again.
func TestAckLoopStartsOnFirstAckAndLeavesWhenIdle(t *testing.T) {
	t.Parallel()
	b := ackSetup(t, true)
	b.hold(t, 1, 2)
	b.s.start()
	if b.running() != 0 || b.s.acks.ch.Load() != nil {
		t.Fatal("the ack loop started, or made its channel, before the first ack")
	}
	b.s.ack(1)
	if b.running() != 1 {
		t.Fatal("the first ack did not start the ack loop")
	}
	b.awaitSettled(t, 1, 1)
	b.idleOut(t)
	b.s.ack(2)
	if b.running() != 1 {
		t.Fatal("an ack did not start the ack loop again after it left")
	}
	b.awaitSettled(t, 2, 0)
	b.s.stop()
}

// stop acknowledges every ack queued before it, over several ack.lua
// calls, and only then lets the loop end (goleak in TestMain): also when
// the loop had left, on the shared path, before acks came whose call to
// start it was not made yet.
func TestAckLoopStopSettlesEveryQueuedAck(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		lazy bool
	}{{"per-topic", false}, {"shared, the loop left", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := ackSetup(t, tc.lazy)
			b.hold(t, 1, ackAhead+1)
			b.s.start()
			b.s.ack(1)
			b.awaitSettled(t, 1, ackAhead)
			if tc.lazy {
				b.idleOut(t)
			}
			acks := b.s.acks.get()
			for tok := 2; tok <= ackAhead+1; tok++ {
				acks <- int64(tok) // no call: stop alone must settle them
			}
			b.s.stop()
			if p, n := b.settled(t); p != ackAhead+1 || n != 0 {
				t.Fatalf("after stop: %d acks settled and %d tokens in flight, want %d and 0", p, n, ackAhead+1)
			}
		})
	}
}
