package redis

import (
	"context"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"goweb/pkg/logger"
	"goweb/pkg/redis/redistest"
)

func woken(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// notify wakes the schedulers of its topic only; an announcement from
// another process arrives over pub/sub; the last leave closes the pub/sub
// connection (goleak in TestMain would catch its reader).
func TestWakeHubWakesTheTopicsSchedulers(t *testing.T) {
	t.Parallel()
	c := privateClient(t)
	h := newWakeHub(&RedisQueue{client: c, log: logger.Nop(), clock: clockwork.NewRealClock()})
	a1, leaveA1 := h.join("a")
	a2, leaveA2 := h.join("a")
	b, leaveB := h.join("b")
	h.notify("a")
	if !woken(a1) || !woken(a2) || woken(b) {
		t.Fatal("notify(a) must wake both schedulers of a and none of b")
	}

	other := newWakeHub(&RedisQueue{client: c, log: logger.Nop(), clock: clockwork.NewRealClock()})
	// The subscription may not be ready at first: announce until it is.
	redistest.Eventually(t, 5*time.Second, "an announcement from another process", func() bool {
		other.announce(context.Background(), "b")
		return woken(b)
	})
	leaveA1()
	leaveA2()
	leaveB()
	if h.pubsub != nil {
		t.Fatal("pub/sub connection open after the last leave")
	}
}
