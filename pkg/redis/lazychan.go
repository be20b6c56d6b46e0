package redis

import (
	"sync"
	"sync/atomic"
)

// lazyChan is a buffered channel made at its first use. A consumer's jobs
// and acks channels are sized by its window (266 entries by default): a
// topic that stays idle on the shared path never makes them, which was a
// third of the heap of a process with a thousand idle topics.
type lazyChan[T any] struct {
	size int
	mu   sync.Mutex
	ch   atomic.Pointer[chan T]
}

func newLazyChan[T any](size int) *lazyChan[T] { return &lazyChan[T]{size: size} }

// get returns the channel, making it the first time.
func (c *lazyChan[T]) get() chan T {
	if p := c.ch.Load(); p != nil {
		return *p
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.ch.Load(); p != nil {
		return *p
	}
	ch := make(chan T, c.size)
	c.ch.Store(&ch)
	return ch
}

// pending is how many values wait in the channel; 0 before it is made.
func (c *lazyChan[T]) pending() int {
	if p := c.ch.Load(); p != nil {
		return len(*p)
	}
	return 0
}
