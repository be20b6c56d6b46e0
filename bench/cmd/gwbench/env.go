package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/config"
	"goweb/pkg/logger"
	"goweb/pkg/redis"
)

const (
	concurrency = 50 // consumer concurrency of every consuming workload
	publishers  = 8  // concurrent single-message publishers
	batchSize   = 1000
	warmupMsgs  = 1000
)

// order returns the seed's order body, fresh for every message so that
// stamps can be added.
func order() map[string]interface{} {
	return map[string]interface{}{
		"order_id": "12345",
		"user_id":  "67890",
		"type":     "payment_reminder",
		"message":  "请及时完成支付",
		"amount":   299.99,
	}
}

var t0 = time.Now()

// mono returns nanoseconds since process start on the monotonic clock.
func mono() int64 { return int64(time.Since(t0)) }

type env struct {
	addr  string
	short bool
	rdb   *goredis.Client       // the measuring connection
	opts  []redis.ManagerOption // of every Manager a workload makes

	serviceBin  string   // the gateway-worker binary of the dispatch workload
	topicCounts []int    // the topics workload's numbers of idle topics
	memProfile  string   // where the topics workload writes a heap profile
	cleanups    []func() // run by close
}

func newEnv(addr string, short bool) (*env, error) {
	e := &env{addr: addr, short: short, rdb: goredis.NewClient(&goredis.Options{Addr: addr})}
	if err := e.rdb.Ping(context.Background()).Err(); err != nil {
		e.rdb.Close()
		return nil, fmt.Errorf("redis %s: %w", addr, err)
	}
	return e, nil
}

func (e *env) close() {
	_ = e.rdb.Close()
	for _, fn := range e.cleanups {
		fn()
	}
}

// size picks the full or the -short value.
func (e *env) size(full, short int) int {
	if e.short {
		return short
	}
	return full
}

func (e *env) flush() error { return e.rdb.FlushAll(context.Background()).Err() }

// manager returns a new Manager on the benchmark Redis. Publishers and every
// consuming process get their own, as separate services would.
func (e *env) manager() (*redis.Manager, error) { return newManager(e.addr, e.opts...) }

func newManager(addr string, opts ...redis.ManagerOption) (*redis.Manager, error) {
	return newPooledManager(addr, 0, opts...)
}

// newPooledManager is newManager with a connection pool of pool
// connections (0: the library's default).
func newPooledManager(addr string, pool int, opts ...redis.ManagerOption) (*redis.Manager, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return nil, fmt.Errorf("port %q: %w", port, err)
	}
	m := redis.NewManager(&config.RedisConfig{Host: host, Port: p, PoolSize: pool}, logger.Nop(), opts...)
	if err := m.Ping(context.Background()); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

func (e *env) info(section string) (map[string]string, error) {
	s, err := e.rdb.Info(context.Background(), section).Result()
	if err != nil {
		return nil, err
	}
	kv := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			kv[k] = v
		}
	}
	return kv, nil
}

func (e *env) usedMemory() (int64, error) {
	kv, err := e.info("memory")
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(kv["used_memory"], 10, 64)
}

// commandCalls sums the calls of all commands except INFO and CONFIG, which
// only the measuring connection issues.
func (e *env) commandCalls() (total int64, perCmd map[string]int64, err error) {
	kv, err := e.info("commandstats")
	if err != nil {
		return 0, nil, err
	}
	perCmd = map[string]int64{}
	for k, v := range kv {
		name := strings.TrimPrefix(k, "cmdstat_")
		if name == k || name == "info" || name == "config" || strings.HasPrefix(name, "config|") {
			continue
		}
		for _, f := range strings.Split(v, ",") {
			if c, ok := strings.CutPrefix(f, "calls="); ok {
				n, _ := strconv.ParseInt(c, 10, 64)
				total += n
				perCmd[name] += n
			}
		}
	}
	return total, perCmd, nil
}

// publish sends n messages with `publishers` goroutines calling Publish one
// message at a time; topics are used round-robin.
func publish(q *redis.RedisQueue, n int, topics []string, opts ...redis.PublishOption) (time.Duration, error) {
	ctx := context.Background()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, publishers)
	start := time.Now()
	for range publishers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := q.Publish(ctx, topics[i%len(topics)], order(), opts...); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	select {
	case err := <-errs:
		return 0, err
	default:
		return elapsed, nil
	}
}

// publishBatch sends n messages spread evenly over topics with PublishBatch,
// batchSize per call, one call after the other.
func publishBatch(q *redis.RedisQueue, n int, topics []string, opts ...redis.PublishOption) (time.Duration, error) {
	ctx := context.Background()
	batch := make([]map[string]interface{}, batchSize)
	for i := range batch {
		batch[i] = order()
	}
	start := time.Now()
	for i, t := range topics {
		share := n/len(topics) + btoi(i < n%len(topics))
		for done := 0; done < share; done += batchSize {
			if err := q.PublishBatch(ctx, t, batch[:min(batchSize, share-done)], opts...); err != nil {
				return 0, err
			}
		}
	}
	return time.Since(start), nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// countdown is hit by handlers: done is closed when n calls happened.
type countdown struct {
	left atomic.Int64
	done chan struct{}
}

func newCountdown(n int) *countdown {
	c := &countdown{done: make(chan struct{})}
	c.left.Store(int64(n))
	return c
}

func (c *countdown) hit() {
	if c.left.Add(-1) == 0 {
		close(c.done)
	}
}

// subscription is a running set of Subscribe calls of one Manager.
type subscription struct {
	m      *redis.Manager
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	err    error
}

// subscribe starts one Subscribe per topic with the given concurrency on a
// new Manager, with opts, and returns at once.
func (e *env) subscribe(topics []string, conc int, handler redis.MessageHandler, opts ...redis.SubscribeOption) (*subscription, error) {
	m, err := e.manager()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &subscription{m: m, cancel: cancel}
	q := m.GetQueue()
	opts = append(opts[:len(opts):len(opts)], redis.WithConcurrency(conc))
	for _, t := range topics {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := q.Subscribe(ctx, t, handler, opts...); err != nil {
				s.mu.Lock()
				s.err = errors.Join(s.err, fmt.Errorf("subscribe %s: %w", t, err))
				s.mu.Unlock()
			}
		}()
	}
	return s, nil
}

// stop cancels the subscriptions, waits for their graceful shutdown and
// closes the Manager.
func (s *subscription) stop() error {
	s.cancel()
	s.wg.Wait()
	s.m.Close()
	return s.err
}

// consume subscribes to topics (conc each) and returns the time from the
// start of the subscriptions until n no-op handler calls have completed.
// opts go to every Subscribe.
func (e *env) consume(n int, topics []string, conc int, opts ...redis.SubscribeOption) (time.Duration, error) {
	cd := newCountdown(n)
	cpu := e.cpuMeter()
	start := time.Now()
	s, err := e.subscribe(topics, conc, func(context.Context, *redis.Message) error {
		cd.hit()
		return nil
	}, opts...)
	if err != nil {
		return 0, err
	}
	select {
	case <-cd.done:
		d := time.Since(start)
		cpu.report(fmt.Sprintf("consume %d msgs, %d topic(s) x conc %d", n, len(topics), conc), n)
		return d, s.stop()
	case <-time.After(5 * time.Minute):
		_ = s.stop()
		return 0, fmt.Errorf("consume timed out: %d/%d handled", n-int(cd.left.Load()), n)
	}
}

// warmManager warms up (see warmup) and returns a fresh Manager; the
// caller closes it.
func (e *env) warmManager() (*redis.Manager, error) {
	if err := e.warmup(); err != nil {
		return nil, err
	}
	return e.manager()
}

// warmup publishes and consumes a few messages, untimed.
func (e *env) warmup() error {
	m, err := e.manager()
	if err != nil {
		return err
	}
	defer m.Close()
	topics := []string{"warmup"}
	if _, err := publish(m.GetQueue(), warmupMsgs, topics); err != nil {
		return err
	}
	_, err = e.consume(warmupMsgs, topics, concurrency)
	return err
}

func rate(n int, d time.Duration) float64 { return float64(n) / d.Seconds() }

// topicNames returns k topic names: prefix itself for k == 1, else prefix-i.
func topicNames(prefix string, k int) []string {
	if k == 1 {
		return []string{prefix}
	}
	ts := make([]string, k)
	for i := range ts {
		ts[i] = fmt.Sprintf("%s-%d", prefix, i)
	}
	return ts
}

// cpuMeter records the CPU time this process and redis-server used, so a
// figure can be explained by CPU per message: on a busy or small machine
// that says more than a rate does.
type cpuMeter struct {
	e            *env
	self, server time.Duration
}

func (e *env) cpuMeter() *cpuMeter {
	return &cpuMeter{e: e, self: selfCPU(), server: e.serverCPU()}
}

// used returns the CPU gwbench and redis-server used since the meter began.
func (c *cpuMeter) used() (self, server time.Duration) {
	return selfCPU() - c.self, c.e.serverCPU() - c.server
}

func (c *cpuMeter) report(what string, n int) {
	self, server := c.used()
	log.Printf("%s: CPU per message: gwbench %.2f µs, redis-server %.2f µs",
		what, float64(self.Microseconds())/float64(n), float64(server.Microseconds())/float64(n))
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// serverCPU is redis-server's used_cpu_user + used_cpu_sys.
func (e *env) serverCPU() time.Duration {
	kv, err := e.info("cpu")
	if err != nil {
		return 0
	}
	u, _ := strconv.ParseFloat(kv["used_cpu_user"], 64)
	s, _ := strconv.ParseFloat(kv["used_cpu_sys"], 64)
	return time.Duration((u + s) * float64(time.Second))
}
