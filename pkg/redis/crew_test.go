package redis

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
)

// testCrew is a crew of size on a channel of 8 ints whose spawn only
// counts: the test plays the members itself. lazy is the shared path.
func testCrew(size int, lazy bool) (*crew[int], *atomic.Int32, *clockwork.FakeClock) {
	var spawned atomic.Int32
	clk := clockwork.NewFakeClock()
	return &crew[int]{size: size, ch: newLazyChan[int](8), clock: clk,
		lazy: func() bool { return lazy }, spawn: func() { spawned.Add(1) }}, &spawned, clk
}

func wantSpawned(t *testing.T, spawned *atomic.Int32, want int32, when string) {
	t.Helper()
	if n := spawned.Load(); n != want {
		t.Fatalf("%s: %d members started in all, want %d", when, n, want)
	}
}

// On the per-topic path every member starts with the consumer and none
// leaves.
func TestCrewPerTopicStartsAllAndNoneLeaves(t *testing.T) {
	t.Parallel()
	c, spawned, _ := testCrew(3, false)
	c.start()
	wantSpawned(t, spawned, 3, "start")
	c.ch.get() <- 1
	c.call()
	wantSpawned(t, spawned, 3, "call with all running")
	<-c.ch.get()
	if c.leave() {
		t.Fatal("a member left on the per-topic path")
	}
}

// On the shared path a member starts with the first value, leaves only
// when none waits, and is called back by the next; stop calls it back for
// values that wait, and after stop none starts or leaves.
func TestCrewSharedStartsOnDemandAndStopCallsBack(t *testing.T) {
	t.Parallel()
	c, spawned, _ := testCrew(1, true)
	c.start()
	c.call()
	wantSpawned(t, spawned, 0, "start and call with nothing sent")
	if c.ch.pending() != 0 || c.ch.ch.Load() != nil {
		t.Fatal("an idle crew made its channel")
	}
	c.ch.get() <- 1
	c.call()
	c.call()
	wantSpawned(t, spawned, 1, "the first value")
	if c.leave() {
		t.Fatal("the member left with a value waiting")
	}
	<-c.ch.get()
	if !c.leave() {
		t.Fatal("an idle member may not leave")
	}
	c.ch.get() <- 2
	c.call()
	wantSpawned(t, spawned, 2, "a value after the member left")
	<-c.ch.get()
	if !c.leave() {
		t.Fatal("an idle member may not leave")
	}

	c.ch.get() <- 3 // sent, its call not made yet when stop comes
	c.stop()
	wantSpawned(t, spawned, 3, "stop with a value waiting")
	<-c.ch.get()
	if c.leave() {
		t.Fatal("a member left after stop")
	}
	c.ch.get() <- 4
	c.call()
	wantSpawned(t, spawned, 3, "call after stop")
}

// next returns a value that waits without a timer, leaves after idling
// for workerIdle on the shared path, and returns at stop or when the
// channel is closed.
func TestCrewNext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, _, clk := testCrew(1, true)
	c.start()
	c.ch.get() <- 7
	c.call()
	if v, ok, left := c.next(nil); v != 7 || !ok || left {
		t.Fatalf("next = %d, %v, %v; want the waiting 7", v, ok, left)
	}

	type result struct{ ok, left bool }
	got := make(chan result, 1)
	go func() { _, ok, left := c.next(nil); got <- result{ok, left} }()
	if err := clk.BlockUntilContext(ctx, 1); err != nil { // the idle timer
		t.Fatal(err)
	}
	clk.Advance(workerIdle)
	if r := <-got; r.ok || !r.left {
		t.Fatalf("after idling: ok %v, left %v; want left", r.ok, r.left)
	}

	stop := make(chan struct{})
	close(stop)
	if _, ok, left := c.next(stop); ok || left {
		t.Fatalf("after stop: ok %v, left %v; want neither", ok, left)
	}
	close(c.ch.get())
	if _, ok, left := c.next(nil); ok || left {
		t.Fatalf("on a closed channel: ok %v, left %v; want neither", ok, left)
	}
}

// A member that started on the per-topic path leaves once it has idled
// after its queue moved to the shared path: the first consumers of many
// starting together start every worker, and those workers used to wait
// for a value for good (a loaded run of TestIdleTopicsCost counted 85
// such goroutines among 200 idle topics).
func TestCrewMemberStartedPerTopicLeavesOnSharedPath(t *testing.T) {
	t.Parallel()
	var lazy atomic.Bool
	clk := clockwork.NewFakeClock()
	c := &crew[int]{size: 1, ch: newLazyChan[int](8), clock: clk, lazy: lazy.Load, spawn: func() {}}
	c.start()
	left := make(chan bool, 1)
	go func() { _, _, l := c.next(nil); left <- l }()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := clk.BlockUntilContext(ctx, 1); err != nil { // idling on the per-topic path
		t.Fatalf("the member waits without a timer: %v", err)
	}
	clk.Advance(workerIdle)
	if err := clk.BlockUntilContext(ctx, 1); err != nil { // still there: it may not leave
		t.Fatal(err)
	}
	lazy.Store(true) // the queue moved to the shared path
	clk.Advance(workerIdle)
	select {
	case l := <-left:
		if !l {
			t.Fatal("next returned without leaving")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the member still waits after idling on the shared path")
	}
}
