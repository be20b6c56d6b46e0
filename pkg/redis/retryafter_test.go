package redis_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"goweb/pkg/redis"
)

// deliveries records when each attempt of a handler came and what it saw.
type deliveries struct {
	mu   sync.Mutex
	at   []time.Time
	msgs []redis.Message
}

func (d *deliveries) add(m *redis.Message) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.at = append(d.at, time.Now())
	d.msgs = append(d.msgs, *m)
	return len(d.at)
}

func (d *deliveries) get() ([]time.Time, []redis.Message) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]time.Time(nil), d.at...), append([]redis.Message(nil), d.msgs...)
}

// dueSlack is how much earlier than its delay, on this process's clock, a
// postponed message may come: due times are whole milliseconds of Redis's
// clock, which the library follows from samples of TIME (a new sample may
// move it by tens of microseconds). A loaded run once saw 49.95 ms for 50.
const dueSlack = time.Millisecond

func TestRetryAfterSetsTheDelay(t *testing.T) {
	t.Parallel()
	b := setup(t)
	publishN(t, b, 1)
	const delay = 700 * time.Millisecond
	var d deliveries
	// The backoff alone would retry after 10ms.
	subscribe(t, b, func(_ context.Context, m *redis.Message) error {
		if d.add(m) == 1 {
			return redis.RetryAfter(delay, errors.New("busy"))
		}
		return nil
	}, fastRetries(3)...)
	eventually(t, 5*time.Second, "processed", func() bool { return stats(t, b).Processed == 1 })
	at, msgs := d.get()
	if len(at) != 2 || at[1].Sub(at[0]) < delay-dueSlack {
		t.Fatalf("attempts at %v: want 2, the second at least %v after the first", at, delay)
	}
	if msgs[1].Attempt != 2 || msgs[1].LastError != "retry after 700ms: busy" {
		t.Errorf("second attempt = %d, last error %q", msgs[1].Attempt, msgs[1].LastError)
	}
	if s := stats(t, b); s.Failed != 1 || s.Retried != 1 {
		t.Errorf("stats = %+v: a RetryAfter counts as a failed attempt by default", s)
	}
}

func TestRetryAfterCountsTowardsDeadLetter(t *testing.T) {
	t.Parallel()
	b := setup(t)
	publishN(t, b, 1)
	subscribe(t, b, func(context.Context, *redis.Message) error {
		return redis.RetryAfter(time.Millisecond, errors.New("busy"))
	}, fastRetries(1)...)
	eventually(t, 5*time.Second, "dead letter", func() bool { return stats(t, b).Dead == 1 })
	dls, _ := b.m.Inspector().DeadLetters(b.ctx, b.topic, 0, 1)
	if dls[0].Attempt != 2 {
		t.Errorf("dead letter after attempt %d, want 2", dls[0].Attempt)
	}
}

func TestRetryAfterNotAnAttempt(t *testing.T) {
	t.Parallel()
	b := setup(t)
	publishN(t, b, 1)
	var d deliveries
	var events sync.Map
	// With no retries allowed, a postponement that counted would
	// dead-letter the message at once.
	subscribe(t, b, func(_ context.Context, m *redis.Message) error {
		switch d.add(m) {
		case 1:
			return errors.New("first failure")
		case 2, 3, 4:
			return &redis.RetryAfterError{Delay: 50 * time.Millisecond, Err: errors.New("held"), NotAnAttempt: true}
		}
		return nil
	}, redis.WithMaxRetries(1), redis.WithBackoff(redis.ConstantBackoff(time.Millisecond)),
		redis.WithObserver(func(e redis.Event) { events.Store(e.Outcome, true) }))
	eventually(t, 5*time.Second, "processed", func() bool { return stats(t, b).Processed == 1 })
	at, msgs := d.get()
	if len(msgs) != 5 {
		t.Fatalf("%d deliveries, want 5", len(msgs))
	}
	for i := 2; i < 5; i++ {
		if msgs[i].Attempt != 2 || msgs[i].LastError != "first failure" {
			t.Errorf("delivery %d: attempt %d, last error %q; want attempt 2 and the first failure kept", i+1, msgs[i].Attempt, msgs[i].LastError)
		}
		if gap := at[i].Sub(at[i-1]); gap < 50*time.Millisecond-dueSlack {
			t.Errorf("delivery %d came %v after the previous, want at least 50ms", i+1, gap)
		}
	}
	if s := stats(t, b); s.Failed != 1 || s.Retried != 1 || s.Dead != 0 {
		t.Errorf("stats = %+v: postponements must not count", s)
	}
	if _, ok := events.Load(redis.OutcomeDeferred); !ok {
		t.Error("the observer saw no deferred outcome")
	}
}
