package redis

import (
	"context"
	"testing"
	"time"
)

func TestWindowFixedHoldsItsSize(t *testing.T) {
	t.Parallel()
	w := newWindow(4, 0, 6)
	if got := w.acquire(context.Background(), 1, 100); got != 6 {
		t.Fatalf("acquire took %d slots, want all 6", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if got := w.acquire(ctx, 1, 100); got != 0 {
		t.Fatalf("a full window gave %d more slots", got)
	}
	w.release(2)
	if got := w.acquire(context.Background(), 2, 100); got != 2 {
		t.Fatalf("after releasing 2, acquire took %d", got)
	}
}

func TestWindowPrefetchFollowsHandlerSpeed(t *testing.T) {
	t.Parallel()
	w := newWindow(10, 256, 0)
	if got := w.size(); got != 20 {
		t.Errorf("size before any handler ran = %d, want workers + min(workers, max) = 20", got)
	}
	for range 50 {
		w.observe(100 * time.Microsecond) // 10 workers × 20ms / 0.1ms = 2000, capped at 256
	}
	if got := w.size(); got != 10+256 {
		t.Errorf("size with fast handlers = %d, want 266", got)
	}
	for range 100 {
		w.observe(time.Second) // 10 × 20ms / 1s < 1: at least 1
	}
	if got := w.size(); got != 11 {
		t.Errorf("size with slow handlers = %d, want 11", got)
	}
}

func TestWindowAdjustReservesWhatTheSizeDoesNotAllow(t *testing.T) {
	t.Parallel()
	w := newWindow(2, 100, 0)
	for range 100 {
		w.observe(time.Second)
	}
	w.adjust() // size 3 of capacity 102
	if got := w.acquire(context.Background(), 1, 1000); got != 3 {
		t.Fatalf("acquire after adjust took %d, want 3", got)
	}
	w.release(3)
	for range 100 {
		w.observe(time.Microsecond)
	}
	w.adjust()
	if got := w.acquire(context.Background(), 1, 1000); got != 102 {
		t.Fatalf("acquire after growing took %d, want 102", got)
	}
}

func TestWindowAcquireGivesBackOnCancel(t *testing.T) {
	t.Parallel()
	w := newWindow(1, 0, 3)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got := w.acquire(ctx, 5, 5); got != 0 {
		t.Fatalf("cancelled acquire = %d", got)
	}
	if got := len(w.slots); got != 3 {
		t.Fatalf("%d slots free after a cancelled acquire, want 3", got)
	}
}

// A stalled consumer (issue: a backlog left pending, the fetcher neither
// fetching nor blocked in BLMOVE): the fetch loop reserved tokens for a
// small window, handlers finishing fast meanwhile grew the size, and the
// fetch asked acquire for a quarter of the new size, more tokens than were
// out of the reserve. acquire waited for tokens that never come.
func TestWindowAcquireNeverWaitsForReservedTokens(t *testing.T) {
	t.Parallel()
	w := newWindow(4, 256, 0)
	for range 100 {
		w.observe(time.Second)
	}
	if got := w.adjust(); got != 5 {
		t.Fatalf("adjust with slow handlers = %d, want size 5", got)
	}
	for range 100 {
		w.observe(time.Microsecond) // finished while the fetch loop went on
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if got := w.acquire(ctx, w.size()/4, 500); got != 5 {
		t.Fatalf("acquire for a quarter of the grown size took %d tokens, want the 5 outside the reserve", got)
	}
}

// A token released twice must not block the releasing worker, nor the
// fetch loop returning reserved tokens, on a full window: either would stop
// the consumer with a backlog and no log line.
func TestWindowOverReleaseDoesNotBlock(t *testing.T) {
	t.Parallel()
	w := newWindow(2, 100, 0)
	for range 100 {
		w.observe(time.Second)
	}
	w.adjust() // size 3: 99 tokens reserved
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.release(1) // one more than was taken
		for range 100 {
			w.observe(time.Microsecond)
		}
		w.adjust() // gives the reserve back to a window already full
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("releasing a token twice blocked")
	}
	if got := len(w.slots); got != cap(w.slots) {
		t.Fatalf("%d tokens free, want the window's %d", got, cap(w.slots))
	}
}
