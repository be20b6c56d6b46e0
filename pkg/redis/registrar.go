package redis

import (
	"context"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/redis/internal/keys"
)

// registrar lists topics in the topic registry (keys.Topics): the topics
// of subscriptions starting together go out in one SADD (coalescer), so a
// thousand starting at once cost a round trip or two, not a thousand
// commands queued for the pool's connections.
type registrar struct {
	client goredis.UniversalClient
	c      *coalescer[*registerReq]
}

type registerReq struct {
	topic string
	done  chan error
}

const (
	registrarMax    = 1000 // topics per SADD
	registrarLinger = 200 * time.Microsecond
)

func newRegistrar(client goredis.UniversalClient) *registrar {
	r := &registrar{client: client}
	r.c = newCoalescer(1, registrarMax, registrarLinger, r.flush)
	return r
}

// add lists topic in the registry.
func (r *registrar) add(ctx context.Context, topic string) error {
	defer r.c.track()()
	req := &registerReq{topic: topic, done: make(chan error, 1)}
	if err := r.c.queue(ctx, req); err != nil {
		return err
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done(): // the answer lands in the buffered channel
		return ctx.Err()
	}
}

// close stops the flusher once it has sent what is queued.
func (r *registrar) close() { r.c.close() }

func (r *registrar) flush(batch []*registerReq) {
	topics := make([]interface{}, len(batch))
	for i, req := range batch {
		topics[i] = req.topic
	}
	err := r.client.SAdd(context.Background(), keys.Topics, topics...).Err() // bounded by the client's timeouts
	for _, req := range batch {
		req.done <- err
	}
}
