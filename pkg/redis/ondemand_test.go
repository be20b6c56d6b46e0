package redis

import (
	"sync/atomic"
	"testing"
	"time"

	"goweb/pkg/redis/redistest"
)

// A kick starts one pass; kicks during a pass make exactly one more; with
// nothing to do no goroutine is left (goleak in TestMain); after close a
// kick starts nothing.
func TestOnDemandRunsOnlyWhileKicked(t *testing.T) {
	t.Parallel()
	var passes atomic.Int32
	entered, release := make(chan struct{}), make(chan struct{})
	d := &onDemand{pass: func() {
		if passes.Add(1) == 1 {
			close(entered)
			<-release // the first pass runs until the test lets it go
		}
	}}
	d.kick()
	<-entered
	d.kick()
	d.kick() // coalesced with the one before: one more pass
	close(release)
	redistest.Eventually(t, 5*time.Second, "the second pass", func() bool { return passes.Load() == 2 })
	redistest.Eventually(t, 5*time.Second, "the goroutine to end", func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		return !d.running
	})
	d.close()
	d.kick()
	d.close() // waits for nothing: the kick after close started no pass
	if n := passes.Load(); n != 2 {
		t.Fatalf("%d passes, want 2", n)
	}
}
