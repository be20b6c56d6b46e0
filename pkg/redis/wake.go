package redis

import (
	"context"
	"errors"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/redis/internal/keys"
)

// wakeHub wakes the goroutines of this process that wait for something to
// happen to a topic: schedulers when an earlier delayed entry is published
// (keys.WakeChannel), consumers when a topic is paused or resumed or
// concurrency slots are freed (keys.FlowChannel). Local changes notify
// directly; other processes announce on the pub/sub channel, which one
// connection per process listens to while anything waits.
type wakeHub struct {
	q *RedisQueue

	mu     sync.Mutex
	subs   map[string]map[*hubWaiter]struct{} // by subject; subjects with no waiter left are deleted
	pubsub *goredis.PubSub                    // open while subs is not empty
	done   chan struct{}
}

func newWakeHub(q *RedisQueue) *wakeHub {
	return &wakeHub{q: q, subs: map[string]map[*hubWaiter]struct{}{}}
}

// hubWaiter is one waiter of the hub: a channel that keeps one pending
// wake-up, or a function called at once, under the hub's lock, that must
// not block (onDemand.kick).
type hubWaiter struct {
	ch chan struct{}
	fn func()
}

func (w *hubWaiter) wake() {
	if w.fn != nil {
		w.fn()
		return
	}
	select {
	case w.ch <- struct{}{}:
	default: // already has a pending wake-up
	}
}

func wakeWaiters(ws map[*hubWaiter]struct{}) {
	for w := range ws {
		w.wake()
	}
}

// subject names what waiters wait for: a channel and its message. The
// channel is part of it because a topic name may look like a flow message.
func subject(channel, message string) string { return channel + " " + message }

// announce wakes local and remote schedulers of topic.
func (h *wakeHub) announce(ctx context.Context, topic string) {
	h.notify(topic)
	// Best effort: a lost announcement only delays promotion to the next
	// periodic check.
	_ = h.q.client.Publish(ctx, keys.WakeChannel, topic).Err()
}

// announceFlow wakes local and remote consumers of topic waiting for kind
// (keys.FlowState or keys.FlowSlots).
func (h *wakeHub) announceFlow(ctx context.Context, kind, topic string) error {
	h.notifySubject(subject(keys.FlowChannel, kind+topic))
	return h.q.client.Publish(ctx, keys.FlowChannel, kind+topic).Err()
}

// notify wakes this process's schedulers of topic.
func (h *wakeHub) notify(topic string) { h.notifySubject(subject(keys.WakeChannel, topic)) }

func (h *wakeHub) notifySubject(s string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	wakeWaiters(h.subs[s])
}

// notifyAll wakes every waiter of this process.
func (h *wakeHub) notifyAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ws := range h.subs {
		wakeWaiters(ws)
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

// join registers a scheduler of topic; see joinSubject.
func (h *wakeHub) join(topic string) (<-chan struct{}, func()) {
	return h.joinSubject(subject(keys.WakeChannel, topic))
}

// joinCall registers fn, called whenever a scheduler of topic would be
// woken; see joinWaiter.
func (h *wakeHub) joinCall(topic string, fn func()) (leave func()) {
	return h.joinWaiter(subject(keys.WakeChannel, topic), &hubWaiter{fn: fn})
}

// joinFlow registers a consumer of topic waiting for kind; see joinSubject.
func (h *wakeHub) joinFlow(kind, topic string) (<-chan struct{}, func()) {
	return h.joinSubject(subject(keys.FlowChannel, kind+topic))
}

// joinFlowCall registers fn, called whenever a consumer of topic waiting
// for kind would be woken; see joinWaiter.
func (h *wakeHub) joinFlowCall(kind, topic string, fn func()) (leave func()) {
	return h.joinWaiter(subject(keys.FlowChannel, kind+topic), &hubWaiter{fn: fn})
}

// joinSubject registers a waiter for s that is woken through the channel
// it returns; see joinWaiter.
func (h *wakeHub) joinSubject(s string) (<-chan struct{}, func()) {
	w := &hubWaiter{ch: make(chan struct{}, 1)}
	return w.ch, h.joinWaiter(s, w)
}

// joinWaiter registers w for s. leave must be called when it stops; the
// last leave closes the pub/sub connection and waits for its reader.
func (h *wakeHub) joinWaiter(s string, w *hubWaiter) (leave func()) {
	h.mu.Lock()
	if h.subs[s] == nil {
		h.subs[s] = map[*hubWaiter]struct{}{}
	}
	h.subs[s][w] = struct{}{}
	if h.pubsub == nil {
		h.pubsub = h.q.client.Subscribe(context.Background(), keys.WakeChannel, keys.FlowChannel)
		h.done = make(chan struct{})
		go h.listen(h.pubsub, h.done)
	}
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		delete(h.subs[s], w)
		if len(h.subs[s]) == 0 {
			delete(h.subs, s)
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
			h.notifySubject(subject(m.Channel, m.Payload))
		case *goredis.Subscription:
			// (Re)subscribed: announcements made while the connection
			// was down are lost, so every waiter looks again now rather
			// than at its next periodic check.
			h.notifyAll()
		}
	}
}
