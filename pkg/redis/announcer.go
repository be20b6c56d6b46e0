package redis

import (
	"context"
	"sync"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/redis/internal/keys"
)

// announcer publishes on a topic's push channel that a push made its
// pending list non-empty (LPUSH returned as many as it pushed), so that
// consumers of other processes waiting on the shared fetch path take the
// entry at once instead of at their sweeper's next look. Only that
// transition is announced, so a topic with a backlog costs nothing more;
// and the announcements go out from a goroutine of their own, several
// topics in one round trip, so publishers and the auto-pipeline's flushers
// never wait for them. Best effort: the sweeper finds what a lost
// announcement missed. Not on a cluster, where the shared path does not
// run.
type announcer struct {
	client goredis.UniversalClient
	on     bool

	mu      sync.Mutex
	pending map[string]struct{}
	wake    chan struct{}
	running bool
	stopped bool
	done    chan struct{}
}

func newAnnouncer(client goredis.UniversalClient) *announcer {
	_, cluster := client.(*goredis.ClusterClient)
	return &announcer{client: client, on: !cluster, pending: map[string]struct{}{}, wake: make(chan struct{}, 1)}
}

// filled announces that a push of pushed entries onto topic left its list
// with length entries: a transition from empty when the two are equal.
func (a *announcer) filled(topic string, length, pushed int64) {
	if !a.on || pushed == 0 || length != pushed {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stopped {
		return
	}
	a.pending[topic] = struct{}{}
	if !a.running {
		a.running = true
		a.done = make(chan struct{})
		go a.run(a.done)
	}
	select {
	case a.wake <- struct{}{}:
	default: // already woken
	}
}

// run sends the pending announcements until close.
func (a *announcer) run(done chan struct{}) {
	defer close(done)
	for range a.wake {
		a.mu.Lock()
		topics := make([]string, 0, len(a.pending))
		for t := range a.pending {
			topics = append(topics, t)
		}
		clear(a.pending)
		stopped := a.stopped
		a.mu.Unlock()
		if len(topics) > 0 {
			pipe := a.client.Pipeline()
			for _, t := range topics {
				pipe.Publish(context.Background(), keys.PushChannel(t), "") // bounded by the client's timeouts
			}
			_, _ = pipe.Exec(context.Background())
		}
		if stopped {
			return
		}
	}
}

// close sends what is pending and stops.
func (a *announcer) close() {
	a.mu.Lock()
	if a.stopped {
		a.mu.Unlock()
		return
	}
	a.stopped = true
	done := a.done
	a.mu.Unlock()
	if done == nil {
		return
	}
	select {
	case a.wake <- struct{}{}:
	default:
	}
	<-done
}
