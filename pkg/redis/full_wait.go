package redis

import (
	"sync/atomic"

	"goweb/pkg/logger"
)

// fullWait logs, once per episode and per queue, that a full Redis refuses
// the blocking waits of consumers whose queue is empty: Redis refuses every
// command flagged as a write at maxmemory under noeviction, and BLMOVE is
// one (it writes the entry it moves), even when it would wait on an empty
// list. Those consumers then poll once a second (fetches are allowed), so
// this is a state to report once, not an error per consumer per second.
// The episode ends at the first wait Redis accepts again.
type fullWait struct {
	on  atomic.Bool
	log logger.Logger
}

// refused notes a wait refused with ErrRedisFull.
func (w *fullWait) refused(err error) {
	if w.on.CompareAndSwap(false, true) {
		w.log.Warn("Redis is full (maxmemory reached): it refuses the blocking wait (BLMOVE) of consumers whose queue is empty; they poll once a second until acks free memory. Publishes are refused meanwhile (ErrRedisFull)",
			"error", err)
	}
}

// accepted ends an episode.
func (w *fullWait) accepted() {
	if w.on.CompareAndSwap(true, false) {
		w.log.Info("Redis accepts blocking waits again: it is no longer full")
	}
}
