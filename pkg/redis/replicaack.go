package redis

import (
	"context"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/redis/internal/scripts"
)

// ErrNotReplicated matches every *NotReplicatedError.
var ErrNotReplicated = errors.New("publish not confirmed by enough replicas")

// NotReplicatedError is returned by a publish with WithReplicaAck when
// fewer replicas than asked confirmed the write in time. The master did
// store the messages: they are delivered unless the master fails before
// replicating them. Publishing again is safe with WithID, WithDedupKey or
// an idempotent handler.
type NotReplicatedError struct {
	Want, Confirmed int
	Timeout         time.Duration
}

func (e *NotReplicatedError) Error() string {
	return fmt.Sprintf("redis: publish stored by the master but confirmed by %d of %d replicas within %v; a failover now could lose it",
		e.Confirmed, e.Want, e.Timeout)
}

// Is makes errors.Is(err, ErrNotReplicated) true.
func (e *NotReplicatedError) Is(target error) bool { return target == ErrNotReplicated }

// replicaAck is how many replicas must confirm a publish, and how long to
// wait for them; n == 0 waits for none.
type replicaAck struct {
	n       int
	timeout time.Duration
}

// MaxReplicaAck bounds WithReplicaAck's n; MaxReplicaAckTimeout its timeout.
const (
	MaxReplicaAck        = 64
	MaxReplicaAckTimeout = time.Minute
)

// WithReplicaAck makes a publish return only once n replicas have the
// message (Redis WAIT after the write, on the same connection; a batch
// waits once for all), and fail with a *NotReplicatedError (errors.Is
// ErrNotReplicated) when fewer confirm within timeout. A publish that
// returned nil then survives a failover to any of those replicas. n = 0
// turns a Manager default off. n is 0 to MaxReplicaAck; with n > 0,
// timeout is 1 ms to MaxReplicaAckTimeout.
func WithReplicaAck(n int, timeout time.Duration) PublishOption {
	return func(o *publishOptions) { o.ack = replicaAck{n: n, timeout: timeout} }
}

// WithDefaultReplicaAck makes WithReplicaAck(n, timeout) the default of
// every publish of the Manager; a publish's own WithReplicaAck overrides
// it. Defaults to no waiting.
func WithDefaultReplicaAck(n int, timeout time.Duration) ManagerOption {
	return func(m *Manager) { m.replicaAck = replicaAck{n: n, timeout: timeout} }
}

func (a replicaAck) validate(from string) error {
	if a.n < 0 || a.n > MaxReplicaAck {
		return fmt.Errorf("%w: %s(%d, %v): replicas must be between 0 and %d", ErrInvalidOption, from, a.n, a.timeout, MaxReplicaAck)
	}
	if a.n > 0 && (a.timeout < time.Millisecond || a.timeout > MaxReplicaAckTimeout) {
		return fmt.Errorf("%w: %s(%d, %v): the timeout must be between 1ms and %v", ErrInvalidOption, from, a.n, a.timeout, MaxReplicaAckTimeout)
	}
	return nil
}

// write runs fn, the write of a publish, and then, when ack asks for
// replicas, WAITs on the connection fn wrote through: WAIT counts the
// replicas that have that connection's writes. On a cluster the connection
// is to the master holding key. fn gets the connection and the client it
// came from (see scripts.Script.RunOnceOn). fn sends its write once
// (scripts.NotResent): a publish whose reply does not come may have been
// stored, and is not stored twice.
func (q *RedisQueue) write(ctx context.Context, key string, ack replicaAck, fn func(c scripts.Processor, server goredis.Scripter) error) error {
	if ack.n == 0 {
		return fn(q.client, q.client)
	}
	node, err := q.masterFor(ctx, key)
	if err != nil {
		return err
	}
	conn := node.Conn()
	defer conn.Close()
	if err := fn(conn, node); err != nil {
		return err
	}
	got, err := conn.Wait(ctx, ack.n, ack.timeout).Result()
	if err != nil {
		return fmt.Errorf("redis: publish stored by the master, but WAIT for %d replicas failed: %w", ack.n, err)
	}
	if int(got) < ack.n {
		return &NotReplicatedError{Want: ack.n, Confirmed: int(got), Timeout: ack.timeout}
	}
	return nil
}

// masterFor is the client of the master that holds key.
func (q *RedisQueue) masterFor(ctx context.Context, key string) (*goredis.Client, error) {
	switch c := q.client.(type) {
	case *goredis.ClusterClient:
		return c.MasterForKey(ctx, key)
	case *goredis.Client:
		return c, nil
	}
	return nil, fmt.Errorf("redis: WithReplicaAck: unsupported client %T", q.client)
}
