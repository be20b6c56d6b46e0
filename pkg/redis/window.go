package redis

import (
	"context"
	"sync/atomic"
	"time"
)

// window bounds how many entries a consumer holds (running plus
// prefetched), and sizes its prefetch to its handlers' speed: enough to keep
// the workers busy for prefetchHorizon. Fast handlers get a deep prefetch,
// so a fetch round trip moves many messages; slow ones get a shallow one,
// so a process does not sit on messages that other consumers could start.
//
// The slots channel holds one token per entry that may be taken. The fetch
// loop keeps reserved tokens out of circulation to shrink the window below
// its capacity; only the fetch loop touches reserved.
type window struct {
	slots       chan struct{}
	workers     int          // entries that can run at once
	maxPrefetch int          // 0: a fixed window of cap(slots)
	reserved    int          // tokens held back by the fetch loop
	avgNanos    atomic.Int64 // moving average of handler run time
}

// prefetchHorizon is how much work, in handler time, a consumer prefetches.
const prefetchHorizon = 20 * time.Millisecond

func newWindow(workers, maxPrefetch, fixed int) *window {
	size := fixed
	if maxPrefetch > 0 {
		size = workers + maxPrefetch
	}
	w := &window{slots: make(chan struct{}, size), workers: workers, maxPrefetch: maxPrefetch}
	for i := 0; i < size; i++ {
		w.slots <- struct{}{}
	}
	return w
}

// observe records one handler run time.
func (w *window) observe(d time.Duration) {
	old := w.avgNanos.Load()
	if old == 0 {
		w.avgNanos.Store(int64(d) + 1)
		return
	}
	w.avgNanos.Store(old - old/8 + int64(d)/8 + 1) // racy updates only blur the average
}

// prefetch is how many entries to hold beyond the running ones.
func (w *window) prefetch() int {
	avg := w.avgNanos.Load()
	if avg <= 0 {
		return min(w.workers, w.maxPrefetch)
	}
	p := int64(w.workers) * int64(prefetchHorizon) / avg
	return int(max(1, min(p, int64(w.maxPrefetch))))
}

// size is the current limit on entries held.
func (w *window) size() int {
	if w.maxPrefetch == 0 {
		return cap(w.slots)
	}
	return w.workers + w.prefetch()
}

// adjust moves tokens in or out of the reserve to match size, and returns
// the size it matched. It never blocks: tokens in use come back later and
// are reserved then. The size is read once: handlers finishing meanwhile
// change it, and a larger size read later could ask acquire for more
// tokens than circulate.
func (w *window) adjust() int {
	size := w.size()
	want := cap(w.slots) - size
	for w.reserved > want {
		w.give()
		w.reserved--
	}
	for w.reserved < want {
		select {
		case <-w.slots:
			w.reserved++
		default:
			return size
		}
	}
	return size
}

// acquire waits for at least least free tokens and takes up to max of them.
// It returns 0, holding nothing, when ctx ends first. It never waits for
// more tokens than circulate outside the reserve: those would never come.
func (w *window) acquire(ctx context.Context, least, max int) int {
	if ctx.Err() != nil {
		return 0
	}
	least = min(least, cap(w.slots)-w.reserved)
	n := 0
	for n < least {
		select {
		case <-w.slots:
			n++
		case <-ctx.Done():
			w.release(n)
			return 0
		}
	}
	for n < max {
		select {
		case <-w.slots:
			n++
		default:
			return n
		}
	}
	return n
}

// release returns n tokens: their entries are settled or handed back.
func (w *window) release(n int) {
	for i := 0; i < n; i++ {
		w.give()
	}
}

// give puts one token back. A token given back to a full window was
// released twice (a bug): it is dropped rather than block the worker or
// the fetch loop forever, which would stall the consumer silently.
func (w *window) give() {
	select {
	case w.slots <- struct{}{}:
	default:
	}
}

// more matches the window to its size again (adjust) and takes up to max
// further free tokens, without waiting: for a fetch whose tokens were
// acquired while the size grew.
func (w *window) more(max int) int {
	w.adjust()
	return w.acquire(context.Background(), 0, max)
}
