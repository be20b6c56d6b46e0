package redis

import (
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
)

// crew starts the goroutines that serve one of a consumer's channels: its
// workers (size concurrency, on the jobs) and the settler's ack loop (size
// 1, on the acks). All of them start with the consumer; on the per-topic
// path they run for its life. On the shared path a member idle for
// workerIdle leaves, and the sender calls them back as values arrive, so a
// thousand idle topics hold no such goroutines (their stacks were most of
// such a process's memory).
type crew[T any] struct {
	size  int
	ch    *lazyChan[T] // what the members serve
	spawn func()       // starts one member
	lazy  func() bool  // on the shared path: members may leave
	clock clockwork.Clock

	mu      sync.Mutex
	running int
	stopped bool // stop was called: no member starts or leaves any more
}

// workerIdle is how long a member on the shared path waits for a value
// before it leaves.
const workerIdle = 5 * time.Second

// start starts every member on the per-topic path; on the shared path
// they start with the first values (call).
func (c *crew[T]) start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.running < c.size && !c.lazy() {
		c.running++
		c.spawn()
	}
}

// call starts every member that left, when values wait: senders call it
// after sending, so that a member leaving (leave) and a value arriving
// never miss each other. Members with nothing to do leave again. After
// stop it starts none.
func (c *crew[T]) call() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.stopped {
		c.fill()
	}
}

// fill starts members while values wait and fewer than size run; c.mu is
// held.
func (c *crew[T]) fill() {
	for c.running < c.size && c.ch.pending() > 0 {
		c.running++
		c.spawn()
	}
}

// stop calls back, one last time, the members that left while values
// wait, and keeps any from starting or leaving after: a value sent before
// stop is then taken by a member that ends only by the owner's own signal
// (the settler's stopping, the workers' closed channel), not by idling.
// The workers' crew needs no stop: the fetcher calls them after its last
// send, and they end when jobs is closed.
func (c *crew[T]) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fill()
	c.stopped = true
}

// leave reports whether an idle member may end: on the shared path, when
// no value waits and stop was not called.
func (c *crew[T]) leave() bool {
	if !c.lazy() {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped || c.ch.pending() > 0 {
		return false
	}
	c.running--
	return true
}

// next is a member's wait for the next value: v and ok; or, with ok
// false, the channel was closed or stop was (a nil stop never is); or,
// with left true, the member idled for workerIdle on the shared path and
// leave let it go: it must end.
//
// A member idles with a timer on either path: one started on the
// per-topic path, before its queue moved to the shared one (as the first
// consumers of many starting together do), leaves like the others once
// it has idled there, instead of waiting for a value for good.
func (c *crew[T]) next(stop <-chan struct{}) (v T, ok, left bool) {
	ch := c.ch.get()
	for {
		// A value already waiting (a backlog) needs no timer.
		select {
		case v, ok = <-ch:
			return v, ok, false
		default:
		}
		t := c.clock.NewTimer(workerIdle)
		select {
		case v, ok = <-ch:
			t.Stop()
			return v, ok, false
		case <-stop:
			t.Stop()
			return v, false, false
		case <-t.Chan():
			if c.leave() {
				return v, false, true
			}
		}
	}
}
