package redis

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// coalescer gathers concurrent requests into batches, like a group commit:
// whatever requests arrive while earlier batches are on the wire go out
// together in the next one, one pipeline for many callers. A lone caller
// still sees one round trip. autoPipe (publishes) and scriptPipe (the
// shared path's scripts) are its two uses; flush sends one batch and
// answers each request in it.
type coalescer[T any] struct {
	reqs     chan T
	flush    func([]T)
	flushers int
	max      int // requests per batch
	linger   time.Duration

	active   atomic.Int64 // calls under way (track)
	inflight atomic.Int64 // of those, calls on the wire

	mu        sync.RWMutex // held for reading while a request is queued
	startOnce sync.Once
	closed    bool
	stop      chan struct{}
	wg        sync.WaitGroup
}

func newCoalescer[T any](flushers, max int, linger time.Duration, flush func([]T)) *coalescer[T] {
	return &coalescer[T]{reqs: make(chan T, max), flush: flush, flushers: flushers, max: max, linger: linger, stop: make(chan struct{})}
}

// track counts a call under way until the returned function is called:
// from before its request is queued to after its answer is read, so that
// gather knows how many callers may still join a batch.
func (c *coalescer[T]) track() (end func()) {
	c.active.Add(1)
	return func() { c.active.Add(-1) }
}

// queue hands r to the flushers, starting them on first use. Once it
// returned nil, r is sent and answered, even when the coalescer is closed
// meanwhile. It returns ErrClosed after close, or ctx's error when ctx
// ended before r could be queued: then r is not sent.
func (c *coalescer[T]) queue(ctx context.Context, r T) error {
	// The read lock keeps close from draining the queue while this send is
	// under way, so no request is left unanswered in the buffer.
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return ErrClosed
	}
	c.startOnce.Do(func() {
		c.wg.Add(c.flushers)
		for range c.flushers {
			go c.flushLoop()
		}
	})
	select {
	case c.reqs <- r:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close stops the flushers once they have sent what is queued.
func (c *coalescer[T]) close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.mu.Unlock()
	close(c.stop)
	c.wg.Wait()
}

func (c *coalescer[T]) flushLoop() {
	defer c.wg.Done()
	batch := make([]T, 0, c.max)
	for {
		select {
		case r := <-c.reqs:
			batch = append(batch[:0], r)
		case <-c.stop:
			// Nothing can be queued any more; send what is.
			if batch = c.drain(batch[:0]); len(batch) > 0 {
				c.flush(batch)
				continue
			}
			return
		}
		batch = c.gather(batch)
		c.inflight.Add(int64(len(batch)))
		c.flush(batch)
		c.inflight.Add(-int64(len(batch)))
		clear(batch) // let answered requests go
	}
}

// gather waits, briefly, for the calls under way and not yet on the wire
// to join the batch: one round trip then carries them all. A lone caller
// never waits.
func (c *coalescer[T]) gather(batch []T) []T {
	batch = c.drain(batch)
	deadline := time.Now().Add(c.linger)
	for idle := 0; idle < 2 && len(batch) < int(c.active.Load()-c.inflight.Load()) && len(batch) < c.max && time.Now().Before(deadline); {
		// Callers that are about to send are often runnable but not yet
		// scheduled on few CPUs: let them run, and go as soon as a round
		// brings nobody new.
		runtime.Gosched()
		n := len(batch)
		if batch = c.drain(batch); len(batch) == n {
			idle++
		} else {
			idle = 0
		}
	}
	return batch
}

// drain adds the requests already waiting, up to max.
func (c *coalescer[T]) drain(batch []T) []T {
	for len(batch) < c.max {
		select {
		case r := <-c.reqs:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}
