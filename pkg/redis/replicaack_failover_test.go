package redis_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/config"
	"goweb/pkg/redis"
	"goweb/pkg/redis/internal/keys"
	"goweb/pkg/redis/redistest"
)

// TestReplicaAckFailover kills the master right after a stream of
// publishes, on Sentinel and on a cluster with replicas, with the replicas
// keeping up and with the replicas lagging (SIGSTOPped for the last 300 ms
// before the kill, resumed after it). Each set-up publishes to two topics
// on the master it kills, one with WithReplicaAck(1, ...) and one without,
// so both live through the same failover. With the option every publish
// that returned nil is delivered after the failover; without it, the ones
// the replica had not received are lost, which the test reports (and, for
// a lagging replica, requires: else the replica did not lag, and the other
// topic's clean record would prove nothing). REPLICA_ACK_ROUNDS sets how
// many rounds each runs (default 1).
func TestReplicaAckFailover(t *testing.T) {
	t.Parallel()
	rounds := 1
	if v, err := strconv.Atoi(os.Getenv("REPLICA_ACK_ROUNDS")); err == nil && v > 0 {
		rounds = v
	}
	// The four set-ups are independent, and each mostly waits for its
	// failover, so they run in parallel.
	for _, kind := range []string{"sentinel", "cluster"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			for _, lag := range []bool{false, true} {
				t.Run(map[bool]string{false: "steady", true: "lagging"}[lag], func(t *testing.T) {
					t.Parallel()
					replicaAckFailovers(t, kind, lag, rounds)
				})
			}
		})
	}
}

// replicaAckFailovers runs rounds failover rounds on one kind of set-up
// and checks the totals of each topic.
func replicaAckFailovers(t *testing.T, kind string, lag bool, rounds int) {
	var acked, lost [2]int // by replica ack: [0] without, [1] with
	for i := 0; i < rounds; i++ {
		for _, s := range failoverRound(t, kind, lag) {
			a, l := s.account()
			acked[s.ack()] += a
			lost[s.ack()] += l
		}
	}
	for ack, what := range []string{"without replica ack", "with WithReplicaAck"} {
		t.Logf("SUMMARY %s, lagging replica %v, %s, %d rounds: %d acknowledged publishes, %d lost",
			kind, lag, what, rounds, acked[ack], lost[ack])
	}
	if lost[1] > 0 {
		t.Errorf("%s with WithReplicaAck: %d of %d acknowledged publishes lost", kind, lost[1], acked[1])
	}
	if lag && lost[0] == 0 {
		t.Errorf("%s, lagging replica, no replica ack: nothing lost; the test did not make the replica lag", kind)
	}
}

// failoverRound publishes to two topics on one master, with and without
// WithReplicaAck, SIGKILLs that master 2,000 acknowledged publishes a
// topic in (after cutting its replicas off for 300 ms if lag), keeps
// publishing 100 ms more, waits for the failover and consumes everything.
func failoverRound(t *testing.T, kind string, lag bool) []*ackStream {
	t.Helper()
	topic := redistest.Topic(t)
	tg := startFailoverTarget(t, kind, topic+".ack")
	cfg := tg.cfg
	cfg.ReadTimeout, cfg.WriteTimeout, cfg.DialTimeout = time.Second, time.Second, time.Second
	b := setupConfig(t, tg.addr, cfg)
	streams := []*ackStream{
		newAckStream(tg.topicOnVictim(t, topic+".plain"), false),
		newAckStream(topic+".ack", true),
	}

	stop, killed := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	for _, s := range streams {
		// A manager each, as two publishing processes would have.
		s.start(b.ctx, b.another(t).GetQueue(), stop, killed, &wg)
	}
	redistest.Eventually(t, 30*time.Second, "publishes before the kill", func() bool {
		for _, s := range streams {
			if a, _ := s.account(); a < 2000 {
				return false
			}
		}
		return true
	})
	if lag {
		// Stopped replicas cannot reconnect, and the master, its links cut,
		// sends them nothing more (a merely stopped replica would find the
		// stream in its socket buffer when resumed). This stands for a
		// replica behind on a slow link.
		for _, r := range tg.replicas {
			r.Pause()
		}
		if err := tg.master.ClientKillByFilter(b.ctx, "TYPE", "replica").Err(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond) // the master takes writes the replicas do not get
	}
	tg.kill()
	for _, r := range tg.replicas {
		r.Resume()
	}
	close(killed)
	time.Sleep(100 * time.Millisecond) // publishes racing the kill: the point of the test
	close(stop)
	wg.Wait()

	drainStreams(t, b, streams)
	for _, s := range streams {
		a, l := s.account()
		t.Logf("%s, lagging replica %v, replica ack %v: %d acknowledged, %d lost; publish errors %v", kind, lag, s.replicaAck, a, l, s.errs)
	}
	return streams
}

// drainStreams consumes the streams' topics from the promoted master until
// nothing is pending or in flight there, for 1 s while an acknowledged
// publish is still unseen (a lagging view must not pass for a loss), or for
// 200 ms once every one has been seen (nothing still to come could matter).
func drainStreams(t *testing.T, b *bundle, streams []*ackStream) {
	t.Helper()
	sub := b.another(t)
	ctx, cancel := context.WithCancel(b.ctx)
	done := make(chan error, len(streams))
	for _, s := range streams {
		go func() {
			done <- sub.GetQueue().Subscribe(ctx, s.topic, func(_ context.Context, m *redis.Message) error {
				s.saw(m.ID)
				return nil
			}, redis.WithConcurrency(8))
		}()
	}
	quietSince := time.Time{}
	redistest.Eventually(t, 60*time.Second, "the backlog to drain after the failover", func() bool {
		quiet := 200 * time.Millisecond
		for _, s := range streams {
			st, err := sub.Inspector().Stats(b.ctx, s.topic)
			if err != nil || st.Pending > 0 || st.InFlight > 0 {
				quietSince = time.Time{}
				return false
			}
			if _, lost := s.account(); lost > 0 {
				quiet = time.Second
			}
		}
		if quietSince.IsZero() {
			quietSince = time.Now()
		}
		return time.Since(quietSince) > quiet
	})
	cancel()
	for range streams {
		if err := <-done; err != nil {
			t.Errorf("Subscribe: %v", err)
		}
	}
}

// ackStream is one topic's publishes: which returned nil, how the others
// failed, and which were consumed.
type ackStream struct {
	topic      string
	replicaAck bool // publish WithReplicaAck(1, time.Second)
	mu         sync.Mutex
	ok         map[string]bool
	errs       map[string]int
	seen       map[string]bool
}

func newAckStream(topic string, replicaAck bool) *ackStream {
	return &ackStream{topic: topic, replicaAck: replicaAck, ok: map[string]bool{}, errs: map[string]int{}, seen: map[string]bool{}}
}

// ack is 1 for the stream publishing with WithReplicaAck, else 0: its
// index in replicaAckFailovers' totals.
func (s *ackStream) ack() int {
	if s.replicaAck {
		return 1
	}
	return 0
}

// start publishes from 8 goroutines until stop is closed.
func (s *ackStream) start(ctx context.Context, q *redis.RedisQueue, stop, killed <-chan struct{}, wg *sync.WaitGroup) {
	var opts []redis.PublishOption
	if s.replicaAck {
		opts = append(opts, redis.WithReplicaAck(1, time.Second))
	}
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
				pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
				id, err := q.Enqueue(pctx, s.topic, map[string]interface{}{"i": i}, opts...)
				cancel()
				s.mu.Lock()
				if err == nil {
					s.ok[id] = true
				} else {
					s.errs[errKind(err)]++
				}
				s.mu.Unlock()
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
}

func (s *ackStream) saw(id string) {
	s.mu.Lock()
	s.seen[id] = true
	s.mu.Unlock()
}

// account returns how many publishes returned nil and how many of those
// have not been consumed.
func (s *ackStream) account() (acked, lost int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id := range s.ok {
		if !s.seen[id] {
			lost++
		}
	}
	return len(s.ok), lost
}

// failoverTarget is a fresh Sentinel set or 3+3 cluster, and the master
// a round kills: on a cluster, the one holding a given topic.
type failoverTarget struct {
	cfg      config.RedisConfig
	addr     string
	master   *goredis.Client
	replicas []*redistest.Server
	kill     func()
	cluster  *goredis.ClusterClient // nil on Sentinel
}

func startFailoverTarget(t *testing.T, kind, topic string) *failoverTarget {
	t.Helper()
	tg := &failoverTarget{}
	switch kind {
	case "sentinel":
		s := redistest.StartSentinel(t)
		tg.cfg = config.RedisConfig{SentinelAddrs: s.SentinelAddrs(), SentinelMaster: s.MasterName()}
		tg.addr = s.SentinelAddrs()[0]
		m, err := s.Master(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		tg.master = m.Client(t)
		for _, d := range s.Data {
			if d != m {
				tg.replicas = append(tg.replicas, d)
			}
		}
		tg.kill = func() {
			if _, err := s.KillMaster(); err != nil {
				t.Error(err)
			}
		}
	case "cluster":
		c := startCluster(t, 3, 1)
		tg.cfg = config.RedisConfig{ClusterAddrs: c.Addrs()}
		tg.addr = c.Addrs()[0]
		tg.cluster = c.Client(t)
		victim, err := tg.cluster.MasterForKey(context.Background(), keys.For(topic).Pending())
		if err != nil {
			t.Fatal(err)
		}
		tg.master = victim
		tg.kill = func() {
			for _, n := range c.Nodes {
				if n.Addr == victim.Options().Addr {
					n.Kill()
				}
			}
		}
		for _, n := range c.Nodes {
			if role, err := n.Role(context.Background()); err == nil && role == "slave" {
				tg.replicas = append(tg.replicas, n.Server)
			}
		}
	}
	return tg
}

// topicOnVictim returns the first of base.0, base.1, ... that the master
// to be killed holds.
func (tg *failoverTarget) topicOnVictim(t *testing.T, base string) string {
	t.Helper()
	for i := 0; i < 100; i++ {
		topic := fmt.Sprintf("%s.%d", base, i)
		if tg.cluster == nil {
			return topic
		}
		m, err := tg.cluster.MasterForKey(context.Background(), keys.For(topic).Pending())
		if err != nil {
			t.Fatal(err)
		}
		if m.Options().Addr == tg.master.Options().Addr {
			return topic
		}
	}
	t.Fatalf("no topic %s.N on master %s", base, tg.master.Options().Addr)
	return ""
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
