package redis_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/config"
	"goweb/pkg/redis"
	"goweb/pkg/redis/internal/keys"
	"goweb/pkg/redis/redistest"
)

// A server without replicas stores the message but cannot confirm it: the
// publish fails with ErrNotReplicated, saying how many confirmed; a batch
// WAITs once; WithReplicaAck(0, 0) turns a Manager default off.
func TestReplicaAckWithoutReplicas(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t) // commandstats of our own
	b := setupAddr(t, srv.Addr).with(t, redis.WithDefaultReplicaAck(1, 20*time.Millisecond))
	id, err := b.q.Enqueue(b.ctx, b.topic, map[string]interface{}{"a": 1})
	var nr *redis.NotReplicatedError
	if !errors.Is(err, redis.ErrNotReplicated) || !errors.As(err, &nr) || nr.Want != 1 || nr.Confirmed != 0 {
		t.Fatalf("Publish = %v, want a NotReplicatedError with 0 of 1 confirmed", err)
	}
	if id == "" {
		t.Error("Enqueue returned no id with ErrNotReplicated, though the message is stored")
	}
	if !strings.Contains(err.Error(), "confirmed by 0 of 1 replicas") {
		t.Errorf("error %q does not say how many replicas confirmed", err)
	}
	before := waitCalls(t, b)
	ids, err := b.q.EnqueueBatch(b.ctx, b.topic, []map[string]interface{}{{"a": 2}, {"a": 3}, {"a": 4}}, redis.WithDelay(time.Hour))
	if !errors.Is(err, redis.ErrNotReplicated) {
		t.Fatalf("EnqueueBatch = %v, want ErrNotReplicated", err)
	}
	if len(ids) != 3 {
		t.Errorf("EnqueueBatch returned ids %v with ErrNotReplicated, want the 3 stored", ids)
	}
	if n := waitCalls(t, b) - before; n != 1 {
		t.Errorf("a batch of 3 sent %d WAITs, want 1", n)
	}
	if err := b.q.Publish(b.ctx, b.topic, map[string]interface{}{"a": 5}, redis.WithDedupKey("k", time.Minute)); !errors.Is(err, redis.ErrNotReplicated) {
		t.Errorf("de-duplicated Publish = %v, want ErrNotReplicated", err)
	}
	// The repeat stores nothing, so the WAIT does not matter: a duplicate.
	before = waitCalls(t, b)
	if err := b.q.Publish(b.ctx, b.topic, map[string]interface{}{"a": 5}, redis.WithDedupKey("k", time.Minute)); !errors.Is(err, redis.ErrDuplicate) || errors.Is(err, redis.ErrNotReplicated) {
		t.Errorf("repeated de-duplicated Publish = %v, want ErrDuplicate", err)
	}
	if n := waitCalls(t, b) - before; n != 0 {
		t.Errorf("a duplicate sent %d WAITs, want 0: nothing was written", n)
	}
	if err := b.q.Publish(b.ctx, b.topic, map[string]interface{}{"a": 6}, redis.WithReplicaAck(0, 0)); err != nil {
		t.Errorf("Publish with WithReplicaAck(0, 0) = %v, want nil", err)
	}
	s, err := b.m.Inspector().Stats(b.ctx, b.topic)
	if err != nil {
		t.Fatal(err)
	}
	if s.Pending != 3 || s.Delayed != 3 {
		t.Errorf("pending %d, delayed %d; want 3 and 3: the master keeps what it could not confirm", s.Pending, s.Delayed)
	}
}

func waitCalls(t *testing.T, b *bundle) int {
	t.Helper()
	v, err := redistest.Info(b.ctx, b.m.Client(), "commandstats", "cmdstat_wait")
	if err != nil || v == "" {
		return 0
	}
	// calls=N,usec=...
	calls, _, _ := strings.Cut(strings.TrimPrefix(v, "calls="), ",")
	n, _ := strconv.Atoi(calls)
	return n
}

func TestReplicaAckBounds(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, o := range []redis.PublishOption{
		redis.WithReplicaAck(-1, time.Second),
		redis.WithReplicaAck(redis.MaxReplicaAck+1, time.Second),
		redis.WithReplicaAck(1, 0),
		redis.WithReplicaAck(1, redis.MaxReplicaAckTimeout+time.Second),
	} {
		err := b.q.Publish(b.ctx, b.topic, nil, o)
		if !errors.Is(err, redis.ErrInvalidOption) || !strings.Contains(err.Error(), "WithReplicaAck") {
			t.Errorf("Publish = %v, want ErrInvalidOption naming WithReplicaAck", err)
		}
	}
	if err := b.with(t, redis.WithDefaultReplicaAck(1, 0)).m.Err(); !errors.Is(err, redis.ErrInvalidOption) ||
		!strings.Contains(err.Error(), "WithDefaultReplicaAck") {
		t.Errorf("Err = %v, want ErrInvalidOption naming WithDefaultReplicaAck", err)
	}
}

// TestReplicaAckFailover kills the master right after a stream of
// publishes, on Sentinel and on a cluster with replicas, with the replicas
// keeping up and with the replicas lagging (SIGSTOPped for the last 300 ms
// before the kill, resumed after it). With WithReplicaAck(1, ...) every
// publish that returned nil is delivered after the failover; without it,
// the ones the replica had not received are lost, which the test reports
// (and, for a lagging replica, requires: else it could not tell the two
// apart). REPLICA_ACK_ROUNDS sets how many rounds each runs (default 1).
func TestReplicaAckFailover(t *testing.T) {
	t.Parallel()
	awaitRedialers(t)
	rounds := 1
	if v, err := strconv.Atoi(os.Getenv("REPLICA_ACK_ROUNDS")); err == nil && v > 0 {
		rounds = v
	}
	for _, kind := range []string{"sentinel", "cluster"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel() // the two set-ups are independent; each takes ~40 s, mostly waiting for failovers
			replicaAckFailovers(t, kind, rounds)
		})
	}
}

// replicaAckFailovers runs the four rounds of TestReplicaAckFailover on
// one kind of set-up: with and without a lagging replica, with and
// without WithReplicaAck.
func replicaAckFailovers(t *testing.T, kind string, rounds int) {
	for _, lag := range []bool{false, true} {
		for _, ack := range []bool{true, false} {
			var acked, lost int
			for i := 0; i < rounds; i++ {
				a, l := failoverRound(t, kind, lag, ack)
				acked += a
				lost += l
			}
			t.Logf("SUMMARY %s, lagging replica %v, replica ack %v, %d rounds: %d acknowledged publishes, %d lost",
				kind, lag, ack, rounds, acked, lost)
			if ack && lost > 0 {
				t.Errorf("%s with WithReplicaAck: %d of %d acknowledged publishes lost", kind, lost, acked)
			}
			if lag && !ack && lost == 0 {
				t.Errorf("%s, lagging replica, no replica ack: nothing lost; the test did not make the replica lag", kind)
			}
		}
	}
}

// failoverRound publishes from 8 goroutines, SIGKILLs the master 300 ms
// in, keeps publishing 100 ms more, waits for the failover and consumes
// everything; it returns the acknowledged publishes and how many of them
// were never delivered.
func failoverRound(t *testing.T, kind string, lag, ack bool) (acked, lost int) {
	t.Helper()
	var (
		cfg      config.RedisConfig
		kill     func()
		master   *goredis.Client
		addr     string
		replicas []*redistest.Server
	)
	topic := redistest.Topic(t)
	switch kind {
	case "sentinel":
		s := redistest.StartSentinel(t)
		cfg = config.RedisConfig{SentinelAddrs: s.SentinelAddrs(), SentinelMaster: s.MasterName()}
		addr = s.SentinelAddrs()[0]
		m, err := s.Master(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		master = m.Client(t)
		for _, d := range s.Data {
			if d != m {
				replicas = append(replicas, d)
			}
		}
		kill = func() {
			if _, err := s.KillMaster(); err != nil {
				t.Error(err)
			}
		}
	case "cluster":
		c := startCluster(t, 3, 1)
		cfg = config.RedisConfig{ClusterAddrs: c.Addrs()}
		addr = c.Addrs()[0]
		victim, err := c.Client(t).MasterForKey(context.Background(), keys.For(topic).Pending())
		if err != nil {
			t.Fatal(err)
		}
		master = victim
		kill = func() {
			for _, n := range c.Nodes {
				if n.Addr == victim.Options().Addr {
					n.Kill()
				}
			}
		}
		for _, n := range c.Nodes {
			if role, err := n.Role(context.Background()); err == nil && role == "slave" {
				replicas = append(replicas, n.Server)
			}
		}
	}
	cfg.ReadTimeout, cfg.WriteTimeout, cfg.DialTimeout = time.Second, time.Second, time.Second
	b := setupConfig(t, addr, cfg)
	b.topic = topic
	var opts []redis.PublishOption
	if ack {
		opts = append(opts, redis.WithReplicaAck(1, time.Second))
	}

	var (
		mu     sync.Mutex
		ok     = map[string]bool{}
		errs   = map[string]int{}
		stop   = make(chan struct{})
		wg     sync.WaitGroup
		killed = make(chan struct{})
	)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
				id, err := b.q.Enqueue(ctx, topic, map[string]interface{}{"i": i}, opts...)
				cancel()
				mu.Lock()
				if err == nil {
					ok[id] = true
				} else {
					errs[errKind(err)]++
				}
				mu.Unlock()
				if err != nil {
					select { // after the kill, do not spin on a refusing server
					case <-killed:
						time.Sleep(10 * time.Millisecond)
					default:
					}
				}
			}
		}()
	}
	redistest.Eventually(t, 30*time.Second, "publishes before the kill", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(ok) >= 2000
	})
	if lag {
		// Stopped replicas cannot reconnect, and the master, its links cut,
		// sends them nothing more (a merely stopped replica would find the
		// stream in its socket buffer when resumed). This stands for a
		// replica behind on a slow link.
		for _, r := range replicas {
			r.Pause()
		}
		if err := master.ClientKillByFilter(b.ctx, "TYPE", "replica").Err(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond) // the master takes writes the replicas do not get
	}
	kill()
	for _, r := range replicas {
		r.Resume()
	}
	close(killed)
	time.Sleep(100 * time.Millisecond) // publishes racing the kill: the point of the test
	close(stop)
	wg.Wait()

	seen := map[string]bool{}
	var smu sync.Mutex
	sub := b.another(t)
	ctx, cancel := context.WithCancel(b.ctx)
	done := make(chan error, 1)
	go func() {
		done <- sub.GetQueue().Subscribe(ctx, topic, func(_ context.Context, m *redis.Message) error {
			smu.Lock()
			seen[m.ID] = true
			smu.Unlock()
			return nil
		}, redis.WithConcurrency(8))
	}()
	// Drained: nothing pending on the promoted master for a while.
	quietSince := time.Time{}
	redistest.Eventually(t, 60*time.Second, "the backlog to drain after the failover", func() bool {
		s, err := sub.Inspector().Stats(b.ctx, topic)
		if err != nil || s.Pending > 0 || s.InFlight > 0 {
			quietSince = time.Time{}
			return false
		}
		if quietSince.IsZero() {
			quietSince = time.Now()
		}
		return time.Since(quietSince) > time.Second
	})
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Subscribe: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	for id := range ok {
		if !seen[id] {
			lost++
		}
	}
	t.Logf("%s, lagging replica %v, replica ack %v: %d acknowledged, %d lost; publish errors %v", kind, lag, ack, len(ok), lost, errs)
	return len(ok), lost
}

func errKind(err error) string {
	switch {
	case errors.Is(err, redis.ErrNotReplicated):
		return "not-replicated"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	s := err.Error()
	return fmt.Sprintf("%.40s", s)
}
