package redis

import "sync"

// crew starts a consumer's workers. All of them start with the consumer;
// on the per-topic path they run for its life. On the shared path a worker
// idle for workerIdle leaves, and the fetcher calls them back as
// deliveries arrive, so a thousand idle topics hold no worker goroutines
// (their stacks were most of such a process's memory).
type crew struct {
	size    int
	pending func() int // deliveries waiting in the jobs channel
	spawn   func()     // starts one worker
	lazy    func() bool

	mu      sync.Mutex
	running int
}

// start starts every worker on the per-topic path; on the shared path
// they start with the first deliveries (call).
func (c *crew) start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.running < c.size && !c.lazy() {
		c.running++
		c.spawn()
	}
}

// call starts every worker that left, when deliveries wait: the fetcher
// calls it after handing deliveries over, so that a worker leaving (leave)
// and a delivery arriving never miss each other. Workers with nothing to
// do leave again.
func (c *crew) call() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.running < c.size && c.pending() > 0 {
		c.running++
		c.spawn()
	}
}

// leave reports whether an idle worker may end: on the shared path, when
// no delivery waits.
func (c *crew) leave() bool {
	if !c.lazy() {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending() > 0 {
		return false
	}
	c.running--
	return true
}
