package redis

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/redis/internal/keys"
	"goweb/pkg/redis/internal/scripts"
)

// autoPipe coalesces concurrent single publishes: whatever publishes arrive
// while earlier ones are on the wire go out together, one LPUSH per topic in
// one pipeline. Concurrent publishers then cost Redis and the network a
// fraction of a round trip each, while a lone publisher still sees one
// round trip. Each publish returns only once its own entry is stored.
type autoPipe struct {
	client   goredis.UniversalClient
	ann      *announcer // announces the pushes that made a list non-empty
	reqs     chan *pushReq
	active   atomic.Int64 // publishes under way
	inflight atomic.Int64 // of those, publishes on the wire

	mu        sync.RWMutex // held for reading while a request is sent
	startOnce sync.Once
	closed    bool
	stop      chan struct{}
	wg        sync.WaitGroup
}

type pushReq struct {
	topic string
	entry []byte
	done  chan error
}

const (
	// Two pipelines in flight: while one waits for its reply, the
	// publishers not in it gather in the other. With one, every publisher
	// waits out a round trip it is not part of; two gave about 15% more
	// single publishes from 8 goroutines here, more gave nothing.
	autoPipeFlushers = 2
	autoPipeMax      = 512 // publishes per pipeline
	autoPipeLinger   = 200 * time.Microsecond
)

func newAutoPipe(client goredis.UniversalClient) *autoPipe {
	return &autoPipe{client: client, ann: newAnnouncer(client), reqs: make(chan *pushReq, autoPipeMax), stop: make(chan struct{})}
}

var pushReqPool = sync.Pool{New: func() any { return &pushReq{done: make(chan error, 1)} }}

// push stores entry at the tail of topic's pending list.
func (p *autoPipe) push(ctx context.Context, topic string, entry []byte) error {
	p.active.Add(1)
	defer p.active.Add(-1)
	r := pushReqPool.Get().(*pushReq)
	r.topic, r.entry = topic, entry
	// The read lock keeps close from draining the queue while this send is
	// under way, so no request is left unanswered in the buffer.
	p.mu.RLock()
	if !p.ensureStarted() {
		p.mu.RUnlock()
		return ErrClosed
	}
	select {
	case p.reqs <- r:
		p.mu.RUnlock()
	case <-ctx.Done():
		p.mu.RUnlock()
		return ctx.Err()
	}
	select {
	case err := <-r.done:
		r.entry = nil
		pushReqPool.Put(r)
		return err
	case <-ctx.Done():
		// The request is on its way and may still be stored: the caller
		// learns the outcome is unknown. r is not reused; the flusher's
		// answer lands in its buffered channel and is dropped with it.
		return fmt.Errorf("%w: publish to %s not confirmed: %w", ErrRedisTimeout, topic, ctx.Err())
	}
}

// ensureStarted starts the flushers on first use; false once closed. The
// caller holds p.mu for reading.
func (p *autoPipe) ensureStarted() bool {
	if p.closed {
		return false
	}
	p.startOnce.Do(func() {
		p.wg.Add(autoPipeFlushers)
		for range autoPipeFlushers {
			go p.flushLoop()
		}
	})
	return true
}

// close stops the flushers once they have sent what is queued.
func (p *autoPipe) close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.mu.Unlock()
	close(p.stop)
	p.wg.Wait()
	p.ann.close()
}

func (p *autoPipe) flushLoop() {
	defer p.wg.Done()
	batch := make([]*pushReq, 0, autoPipeMax)
	for {
		select {
		case r := <-p.reqs:
			batch = append(batch[:0], r)
		case <-p.stop:
			// Nothing can be sent any more; answer what is queued.
			if batch = p.drain(batch[:0]); len(batch) > 0 {
				p.flush(batch)
				continue
			}
			return
		}
		batch = p.gather(batch)
		p.inflight.Add(int64(len(batch)))
		p.flush(batch)
		p.inflight.Add(-int64(len(batch)))
	}
}

// gather waits, briefly, for the publishes under way and not yet on the
// wire to join the batch: like a group commit, one round trip then carries
// them all. A lone publisher never waits.
func (p *autoPipe) gather(batch []*pushReq) []*pushReq {
	batch = p.drain(batch)
	deadline := time.Now().Add(autoPipeLinger)
	for idle := 0; idle < 2 && len(batch) < int(p.active.Load()-p.inflight.Load()) && len(batch) < autoPipeMax && time.Now().Before(deadline); {
		// Publishers that are about to send are often runnable but not
		// yet scheduled on few CPUs: let them run, and go as soon as a
		// round brings nobody new.
		runtime.Gosched()
		n := len(batch)
		if batch = p.drain(batch); len(batch) == n {
			idle++
		} else {
			idle = 0
		}
	}
	return batch
}

// drain adds the requests already waiting, up to autoPipeMax.
func (p *autoPipe) drain(batch []*pushReq) []*pushReq {
	for len(batch) < autoPipeMax {
		select {
		case r := <-p.reqs:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

func (p *autoPipe) flush(batch []*pushReq) {
	// Bounded by the client's read/write timeouts. Each LPUSH is sent once
	// (scripts.NotResent): one whose reply does not come may be stored.
	ctx := context.Background()
	if len(batch) == 1 {
		r := batch[0]
		n, err := lpushOnce(ctx, p.client, keys.For(r.topic).Pending(), r.entry)
		p.ann.filled(r.topic, n, 1)
		r.done <- err
		return
	}
	// One LPUSH per topic, entries in arrival order.
	order := make([]string, 0, 4)
	byTopic := make(map[string][]interface{}, 4)
	for _, r := range batch {
		if _, ok := byTopic[r.topic]; !ok {
			order = append(order, r.topic)
		}
		byTopic[r.topic] = append(byTopic[r.topic], r.entry)
	}
	pipe := p.client.Pipeline()
	cmds := make(map[string]*goredis.IntCmd, len(order))
	for _, t := range order {
		cmd := goredis.NewIntCmd(ctx, append([]interface{}{"lpush", keys.For(t).Pending()}, byTopic[t]...)...)
		_ = pipe.Process(ctx, scripts.NotResent(cmd)) // queued; the errors are per command
		cmds[t] = cmd
	}
	_, _ = pipe.Exec(ctx) // errors are per command
	for _, t := range order {
		p.ann.filled(t, cmds[t].Val(), int64(len(byTopic[t])))
	}
	for _, r := range batch {
		r.done <- cmds[r.topic].Err()
	}
}
