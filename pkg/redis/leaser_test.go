package redis_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
)

// A Redis that restarts without persistence loses the topic registry; the
// consumers' lease renewals list their topics again (issue 10 item 4).
func TestLeaseRenewalReregistersTopicAfterDataLoss(t *testing.T) {
	t.Parallel()
	own := redistest.Start(t)
	b := setupAddr(t, own.Addr)
	subscribe(t, b, func(_ context.Context, _ *redis.Message) error { return nil }, redis.WithRecoveryWindow(time.Second))
	listed := func() bool {
		topics, err := b.m.Inspector().Topics(b.ctx)
		return err == nil && slices.Contains(topics, b.topic)
	}
	eventually(t, 5*time.Second, "the topic listed", listed)
	if err := own.Client(t).Set(b.ctx, "marker", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}
	own.Kill()
	if err := own.Restart(); err != nil {
		t.Fatal(err)
	}
	if n, err := own.Client(t).Exists(b.ctx, "marker").Result(); err != nil || n != 0 {
		t.Fatalf("the restarted Redis kept its data (%v); the test needs one that lost it", err)
	}
	eventually(t, 5*time.Second, "the topic listed again", listed)
}

// A consumer whose lease ran out has its messages recovered by a live one
// (reapOther). Each consumer runs on a fake clock of its own: the stuck one
// never renews, the live one's clock is moved past the stuck one's lease,
// so the test waits out no recovery window. On a server of its own: on the
// shared one, these clocks in 2027 would find the leases of every other
// test's consumers run out, and hand back what those are handling.
func TestLeaseReapsAConsumerWhoseLeaseRanOut(t *testing.T) {
	t.Parallel()
	b := setupAddr(t, redistest.Start(t).Addr)
	start := time.Unix(1_800_000_000, 0)
	stuck, live := b.with(t), b.with(t)
	redis.SetClock(stuck.m, clockwork.NewFakeClockAt(start))
	liveClock := clockwork.NewFakeClockAt(start)
	redis.SetClock(live.m, liveClock)

	held := make(chan struct{})
	subscribe(t, stuck, func(ctx context.Context, _ *redis.Message) error {
		close(held)
		<-ctx.Done() // until the test ends and cancels it
		return ctx.Err()
	}, redis.WithRecoveryWindow(10*time.Second), redis.WithShutdownTimeout(0), redis.WithPrefetch(0), redis.WithConcurrency(1))
	if _, err := b.q.Enqueue(b.ctx, b.topic, map[string]interface{}{"n": 1}); err != nil {
		t.Fatal(err)
	}
	<-held
	var c collector
	subscribe(t, live, c.handle, redis.WithRecoveryWindow(10*time.Second))
	eventually(t, 10*time.Second, "the stuck consumer's message recovered", func() bool {
		liveClock.Advance(2 * time.Second) // the stuck lease (5s) runs out on the live clock
		return c.len() == 1
	})
}
