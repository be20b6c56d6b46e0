package redis_test

import (
	"context"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"goweb/pkg/config"
	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
	"goweb/pkg/redis/redistest/netfault"
)

var srv *redistest.Server

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		runChild()
		return
	}
	os.Exit(redistest.RunTests(m, &srv, 0, netfault.RemoveBinary, awaitRedialers))
}

// awaitRedialers waits, boundedly, for go-redis' pool re-dialers to exit
// before the leak check. A pool that failed to dial a killed server (the
// failover tests kill masters) probes it once a second and notices its pool
// was closed only after a sleep, which goleak would otherwise report as a
// leak; a re-dialer that outlives the wait is still goleak's to report. It
// waits once for the package, after the tests: in a test's cleanup it
// would also wait out the re-dialers of the failover tests running beside.
func awaitRedialers() {
	buf := make([]byte, 1<<20)
	redistest.WaitUntil(10*time.Second, func() bool {
		n := runtime.Stack(buf, true)
		return !strings.Contains(string(buf[:n]), "(*ConnPool).tryDial")
	})
}

// bundle is what most tests need: a manager on the shared server and a topic
// no other test uses.
type bundle struct {
	addr  string
	cfg   config.RedisConfig // the target, for another manager (see another)
	m     *redis.Manager
	q     *redis.RedisQueue
	topic string
	ctx   context.Context
}

func setup(t *testing.T) *bundle {
	t.Helper()
	return setupAddr(t, srv.Addr)
}

func setupAddr(t *testing.T, addr string) *bundle {
	t.Helper()
	host, port := splitAddr(t, addr)
	return setupConfig(t, addr, config.RedisConfig{Host: host, Port: port})
}

// setupConfig is setupAddr for any target: one node, a Cluster or Sentinel.
func setupConfig(t *testing.T, addr string, cfg config.RedisConfig) *bundle {
	t.Helper()
	m := newManagerConfig(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return &bundle{addr: addr, cfg: cfg, m: m, q: m.GetQueue(), topic: redistest.Topic(t), ctx: ctx}
}

// with returns a bundle on the same Redis and topic whose manager has opts.
func (b *bundle) with(t testing.TB, opts ...redis.ManagerOption) *bundle {
	t.Helper()
	m := newManagerConfig(t, b.cfg, opts...)
	nb := *b
	nb.m, nb.q = m, m.GetQueue()
	return &nb
}

// another returns a second manager for the bundle's Redis, as another
// process would have.
func (b *bundle) another(t testing.TB) *redis.Manager { return newManagerConfig(t, b.cfg) }

func newManager(t testing.TB, addr string) *redis.Manager {
	t.Helper()
	host, port := splitAddr(t, addr)
	return newManagerConfig(t, config.RedisConfig{Host: host, Port: port})
}

func newManagerConfig(t testing.TB, cfg config.RedisConfig, opts ...redis.ManagerOption) *redis.Manager {
	t.Helper()
	m := redis.NewManager(&cfg, logger.Nop(), opts...)
	t.Cleanup(func() { _ = m.Close() })
	return m
}

// subscribe runs Subscribe in the background and returns a function that
// stops it and returns its error.
//
// It refuses a queue on the shared server whose clock runs ahead of real
// time: its reapers would take the leases of every other test's consumers
// for run out and hand back what they are handling, to be delivered twice
// (TestRequeueAllManyDeadLetters failed so, with 224 extra deliveries, next
// to TestLeaseReapsAConsumerWhoseLeaseRanOut's clock in 2027). Such a test
// runs on a server of its own (redistest.Start).
func subscribe(t *testing.T, b *bundle, h redis.MessageHandler, opts ...redis.SubscribeOption) func() error {
	t.Helper()
	if now := redis.ClockOf(b.q).Now(); b.addr == srv.Addr && now.After(time.Now()) {
		t.Fatalf("subscribing on the shared server with a clock ahead of real time (%v): its reapers would hand back other tests' messages; use a server of its own", now)
	}
	return subscribeOn(t, b.ctx, b.q, b.topic, h, opts...)
}

// subscribeOn is subscribe for any queue and topic.
func subscribeOn(t testing.TB, ctx context.Context, q *redis.RedisQueue, topic string, h redis.MessageHandler, opts ...redis.SubscribeOption) func() error {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- q.Subscribe(ctx, topic, h, opts...) }()
	var once bool
	var err error
	stop := func() error {
		if !once {
			once = true
			cancel()
			err = <-errc
		}
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// eventually waits for cond; see redistest.Eventually.
var eventually = redistest.Eventually
