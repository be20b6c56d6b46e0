package redis

import (
	"context"
	"errors"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/redis/internal/keys"
)

// wakeHub wakes the schedulers of a topic when an earlier delayed entry is
// published. Local publishers notify directly; other processes announce on
// the keys.WakeChannel pub/sub channel, which one connection per process
// listens to while it has subscriptions.
type wakeHub struct {
	q *RedisQueue

	mu     sync.Mutex
	subs   map[string]map[chan struct{}]struct{} // topics with no scheduler left are deleted
	pubsub *goredis.PubSub                       // open while subs is not empty
	done   chan struct{}
}

func newWakeHub(q *RedisQueue) *wakeHub {
	return &wakeHub{q: q, subs: map[string]map[chan struct{}]struct{}{}}
}

// announce wakes local and remote schedulers of topic.
func (h *wakeHub) announce(ctx context.Context, topic string) {
	h.notify(topic)
	// Best effort: a lost announcement only delays promotion to the next
	// periodic check.
	_ = h.q.client.Publish(ctx, keys.WakeChannel, topic).Err()
}

// notify wakes this process's schedulers of topic.
func (h *wakeHub) notify(topic string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	wakeAll(h.subs[topic])
}

// notifyAll wakes every scheduler of this process.
func (h *wakeHub) notifyAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, chans := range h.subs {
		wakeAll(chans)
	}
}

func wakeAll(chans map[chan struct{}]struct{}) {
	for ch := range chans {
		select {
		case ch <- struct{}{}:
		default: // already has a pending wake-up
		}
	}
}

// join registers a scheduler of topic. leave must be called when it stops;
// the last leave closes the pub/sub connection and waits for its reader.
func (h *wakeHub) join(topic string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	if h.subs[topic] == nil {
		h.subs[topic] = map[chan struct{}]struct{}{}
	}
	h.subs[topic][ch] = struct{}{}
	if h.pubsub == nil {
		h.pubsub = h.q.client.Subscribe(context.Background(), keys.WakeChannel)
		h.done = make(chan struct{})
		go h.listen(h.pubsub, h.done)
	}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs[topic], ch)
		if len(h.subs[topic]) == 0 {
			delete(h.subs, topic)
		}
		var ps *goredis.PubSub
		var done chan struct{}
		if len(h.subs) == 0 {
			ps, done = h.pubsub, h.done
			h.pubsub, h.done = nil, nil
		}
		h.mu.Unlock()
		if ps != nil {
			_ = ps.Close()
			<-done
		}
	}
}

func (h *wakeHub) listen(ps *goredis.PubSub, done chan struct{}) {
	defer close(done)
	for {
		msg, err := ps.Receive(context.Background())
		if err != nil {
			if errors.Is(err, goredis.ErrClosed) {
				return
			}
			// Receive reconnects and subscribes again by itself on the next
			// call; pause so an outage does not spin.
			time.Sleep(200 * time.Millisecond) // real time: a reconnect pause, not queue logic
			continue
		}
		switch m := msg.(type) {
		case *goredis.Message:
			h.notify(m.Payload)
		case *goredis.Subscription:
			// (Re)subscribed: announcements made while the connection
			// was down are lost, so every scheduler looks again now
			// rather than at its next periodic check.
			h.notifyAll()
		}
	}
}
