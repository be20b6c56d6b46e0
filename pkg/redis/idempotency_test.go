package redis_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"goweb/pkg/redis"
)

// Idempotent skips an id handled within its ttl, runs it again once the
// marker expired (on a fake clock: no waiting), and never marks a failure.
func TestIdempotentSkipsWithinTTLOnly(t *testing.T) {
	t.Parallel()
	b := setup(t)
	clk := clockwork.NewFakeClock()
	redis.SetClock(b.m, clk)
	runs := 0
	fail := false
	h := redis.Idempotent(b.q, time.Minute)(func(context.Context, *redis.Message) error {
		runs++
		if fail {
			return errors.New("boom")
		}
		return nil
	})
	msg := &redis.Message{ID: "order-1", Topic: b.topic}
	for range 2 {
		if err := h(b.ctx, msg); err != nil {
			t.Fatal(err)
		}
	}
	if runs != 1 {
		t.Fatalf("handler ran %d times for one id within the ttl, want 1", runs)
	}
	clk.Advance(time.Minute + time.Millisecond)
	fail = true
	if err := h(b.ctx, msg); err == nil {
		t.Fatal("a failing handler's error was swallowed")
	}
	if err := h(b.ctx, msg); err == nil || runs != 3 {
		t.Fatalf("after a failure the id must run again: runs %d, err %v", runs, err)
	}
}
