package redis

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jonboulle/clockwork"
	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/logger"
)

// RedisQueue publishes to and consumes from topics. Get it from
// Manager.GetQueue; it is safe for concurrent use.
type RedisQueue struct {
	m      *Manager
	client goredis.UniversalClient
	log    logger.Logger
	ids    *idGen
	clock  clockwork.Clock // local time: timers, intervals; see clock.go
	rclock *redisClock     // Redis's time: what is written to Redis; see redisclock.go

	maxPayload   int         // see WithMaxPayload
	publishChain PublishFunc // see WithPublishMiddleware; nil without

	known     sync.Map // topic -> struct{}: already in the topic registry
	registry  *registrar
	wake      *wakeHub
	sharing   *sharing // chooses the fetch path; see sharing.go
	pipe      *autoPipe
	full      *fullWait // a full Redis refusing BLMOVE, logged once an episode
	onPublish atomic.Pointer[func(PublishEvent)]
}

func newQueue(m *Manager) *RedisQueue {
	q := &RedisQueue{
		m:            m,
		client:       m.client,
		log:          m.log,
		ids:          newIDGen(),
		clock:        m.clock,
		rclock:       newRedisClock(m.clock, m.client),
		maxPayload:   m.maxPayload,
		publishChain: publishChain(m.publishMW),
		full:         &fullWait{log: m.log},
	}
	q.wake = newWakeHub(q)
	q.pipe = newAutoPipe(m.client)
	q.registry = newRegistrar(m.client)
	q.sharing = newSharing(q, m.sharedAbove)
	return q
}

// now is Redis's time (see redisClock), for times written to Redis.
func (q *RedisQueue) now() time.Time { return q.rclock.Now() }

func (q *RedisQueue) nowMs() int64 { return q.now().UnixMilli() }

// register adds topic to the registry once per process, so the Inspector
// and the dashboard can list topics without scanning keys.
func (q *RedisQueue) register(ctx context.Context, topic string) {
	if _, ok := q.known.Load(topic); ok {
		return
	}
	if err := q.registry.add(ctx, topic); err == nil {
		q.known.Store(topic, struct{}{})
	}
}
