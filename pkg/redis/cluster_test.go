package redis_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"goweb/pkg/config"
	"goweb/pkg/redis"
	"goweb/pkg/redis/internal/keys"
	"goweb/pkg/redis/redistest"
)

// setupCluster is setup for a Redis Cluster: the manager is configured the
// way REDIS_CLUSTER_ADDRS configures the service.
func setupCluster(t *testing.T, c *redistest.Cluster) *bundle {
	t.Helper()
	return setupConfig(t, c.Addrs()[0], config.RedisConfig{ClusterAddrs: c.Addrs()})
}

// startCluster starts a cluster for one test and, before stopping it,
// fails the test if any node ever answered CROSSSLOT: an operation whose
// keys span slots would fail that way on every real cluster.
func startCluster(t *testing.T, masters, replicas int) *redistest.Cluster {
	t.Helper()
	c := redistest.StartCluster(t, masters, replicas)
	t.Cleanup(func() { c.AssertNoCrossSlot(t) })
	return c
}

// TestBehaviourCluster runs the whole behaviour suite on a 3-master Redis
// Cluster, each test on its own topic and so on whichever master owns the
// topic's slot.
func TestBehaviourCluster(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 3, 0)
	for name, fn := range behaviours {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, setupCluster(t, c))
		})
	}
}

// TestClusterInspector spreads 30 topics over a 3-master cluster and uses
// every cross-topic and repair call of the Inspector on them.
func TestClusterInspector(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 3, 0)
	b := setupCluster(t, c)
	ctx := b.ctx
	cc := c.Client(t)
	insp := b.m.Inspector()

	const nTopics, perTopic = 30, 3
	topics := make([]string, nTopics)
	owner := map[string]string{} // topic -> address of the master owning its slot
	for i := range topics {
		topics[i] = fmt.Sprintf("%s.%02d", b.topic, i)
		batch := make([]map[string]interface{}, perTopic)
		for j := range batch {
			batch[j] = map[string]interface{}{"n": j}
		}
		if err := b.q.PublishBatch(ctx, topics[i], batch); err != nil {
			t.Fatal(err)
		}
		if err := b.q.PublishWithDelay(ctx, topics[i], map[string]interface{}{"later": true}, time.Hour); err != nil {
			t.Fatal(err)
		}
		m, err := cc.MasterForKey(ctx, keys.For(topics[i]).Pending())
		if err != nil {
			t.Fatal(err)
		}
		owner[topics[i]] = m.Options().Addr
	}

	t.Run("KeysSpreadOverMasters", func(t *testing.T) {
		masters, err := c.Masters(ctx)
		if err != nil {
			t.Fatal(err)
		}
		total := int64(0)
		for _, m := range masters {
			n, err := m.Client(t).DBSize(ctx).Result()
			if err != nil {
				t.Fatal(err)
			}
			owned := 0
			for _, addr := range owner {
				if addr == m.Addr {
					owned++
				}
			}
			t.Logf("master %s: %d topics, DBSIZE %d", m.Addr, owned, n)
			if owned == 0 || n == 0 {
				t.Errorf("master %s holds no topic (%d keys): topics do not spread", m.Addr, n)
			}
			total += n
		}
		// Per topic, the pending list and the delayed set; plus the registry.
		if want := int64(2*nTopics + 1); total != want {
			t.Errorf("%d keys over all masters, want %d", total, want)
		}
		// All keys of a topic share its slot: the slot holds exactly them.
		for _, topic := range topics {
			slot, err := cc.ClusterKeySlot(ctx, keys.For(topic).Pending()).Result()
			if err != nil {
				t.Fatal(err)
			}
			m, _ := cc.MasterForKey(ctx, keys.For(topic).Pending())
			n, err := m.ClusterCountKeysInSlot(ctx, int(slot)).Result()
			if err != nil {
				t.Fatal(err)
			}
			if n < 2 {
				t.Errorf("slot %d of %s holds %d keys, want its pending list and delayed set", slot, topic, n)
			}
		}
	})

	// One topic per master gets dead letters.
	var dead []string
	seen := map[string]bool{}
	for _, topic := range topics {
		if !seen[owner[topic]] {
			seen[owner[topic]] = true
			dead = append(dead, topic)
		}
	}
	if len(dead) != 3 {
		t.Fatalf("topics landed on %d masters, want 3", len(dead))
	}
	// The three consumers fail their messages at once, each on its master.
	sctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, len(dead))
	for _, topic := range dead {
		go func() {
			errc <- b.q.Subscribe(sctx, topic, func(context.Context, *redis.Message) error {
				return errors.New("down")
			}, fastRetries(0)...)
		}()
	}
	for _, topic := range dead {
		eventually(t, 10*time.Second, "dead letters on "+topic, func() bool {
			s, err := insp.Stats(ctx, topic)
			return err == nil && s.Dead == perTopic
		})
	}
	cancel()
	for range dead {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}

	t.Run("TopicsAndAllStats", func(t *testing.T) {
		got, err := insp.Topics(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, topic := range topics {
			if !contains(got, topic) {
				t.Errorf("Topics lacks %s", topic)
			}
		}
		all, err := insp.AllStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		byTopic := map[string]redis.TopicStats{}
		for _, s := range all {
			byTopic[s.Topic] = s
		}
		for _, topic := range topics {
			s, ok := byTopic[topic]
			want := redis.TopicStats{Topic: topic, Pending: perTopic, Delayed: 1}
			if contains(dead, topic) {
				want = redis.TopicStats{Topic: topic, Delayed: 1, Dead: perTopic, Failed: perTopic, DeadTotal: perTopic}
			}
			if !ok || s != want {
				t.Errorf("AllStats[%s] = %+v, want %+v", topic, s, want)
			}
		}
	})

	t.Run("DeadLetters", func(t *testing.T) {
		for _, topic := range dead {
			dls, err := insp.DeadLetters(ctx, topic, 0, 10)
			if err != nil || len(dls) != perTopic || dls[0].Reason != "down" {
				t.Errorf("DeadLetters(%s) = %+v, %v", topic, dls, err)
			}
		}
	})

	t.Run("RequeueDead", func(t *testing.T) {
		n, err := insp.RequeueAllDead(ctx, dead[0])
		if err != nil || n != perTopic {
			t.Fatalf("RequeueDead = %d, %v", n, err)
		}
		s, _ := insp.Stats(ctx, dead[0])
		if s.Pending != perTopic || s.Dead != 0 {
			t.Errorf("after RequeueDead: %+v", s)
		}
	})

	t.Run("TrimDead", func(t *testing.T) {
		n, err := insp.TrimDead(ctx, dead[1], time.Hour)
		if err != nil || n != 0 {
			t.Fatalf("TrimDead(1h) = %d, %v; want nothing trimmed", n, err)
		}
		eventually(t, 5*time.Second, "dead letters trimmed", func() bool {
			n, err := insp.TrimDead(ctx, dead[1], 0)
			return err == nil && n == perTopic
		})
	})

	t.Run("PurgeDead", func(t *testing.T) {
		if n, err := insp.PurgeDead(ctx, dead[2]); err != nil || n != perTopic {
			t.Fatalf("PurgeDead = %d, %v", n, err)
		}
	})

	t.Run("TrimMarkers", func(t *testing.T) {
		// A de-duplication key on each master, each expiring at once.
		for _, topic := range dead {
			if err := b.q.Publish(ctx, topic, map[string]interface{}{}, redis.WithDedupKey("k", time.Millisecond)); err != nil {
				t.Fatal(err)
			}
		}
		var trimmed int64
		eventually(t, 5*time.Second, "expired markers trimmed", func() bool {
			for _, topic := range dead {
				n, err := insp.TrimMarkers(ctx, topic)
				if err != nil {
					t.Fatal(err)
				}
				trimmed += n
			}
			return trimmed == int64(len(dead))
		})
	})
}

// TestClusterFailover kills a master of a 3+3 cluster while publishers and
// consumers run, and checks that both carry on by themselves once the
// replica has taken over. Replication is asynchronous, so publishes
// acknowledged just before the kill may be lost; the test reports them and
// fails only beyond 1%.
func TestClusterFailover(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 3, 1)
	b := setupCluster(t, c)
	cc := c.Client(t)

	// Six topics; the victim is the master owning the first one.
	topics := make([]string, 6)
	for i := range topics {
		topics[i] = fmt.Sprintf("%s.%d", b.topic, i)
	}
	victim, err := cc.MasterForKey(b.ctx, keys.For(topics[0]).Pending())
	if err != nil {
		t.Fatal(err)
	}
	victimAddr := victim.Options().Addr
	onVictim := map[string]bool{}
	for _, topic := range topics {
		m, err := cc.MasterForKey(b.ctx, keys.For(topic).Pending())
		if err != nil {
			t.Fatal(err)
		}
		onVictim[topic] = m.Options().Addr == victimAddr
	}

	ch := startChaos(t, b.ctx, b.m, b.another(t), topics)
	ch.warm(300)
	ch.kill(func() {
		for _, n := range c.Nodes {
			if n.Addr == victimAddr {
				n.Kill()
			}
		}
	})
	pubRec, consRec := ch.recovered(topics[0], 30*time.Second)
	t.Logf("master %s killed: publishing resumed after %v, consuming after %v", victimAddr, pubRec.Round(time.Millisecond), consRec.Round(time.Millisecond))
	// Keep running a little on the new master before settling.
	ch.warm(ch.seen(topics[0]) + 300)
	outcomes := ch.finish(30 * time.Second)

	masters, err := c.Masters(b.ctx)
	if err != nil || len(masters) != 3 {
		t.Errorf("after failover: %d masters, %v", len(masters), err)
	}
	var acked, lost int
	for _, topic := range topics {
		o := outcomes[topic]
		t.Logf("topic %s (on killed master: %v): %v", topic, onVictim[topic], o)
		acked += o.acked
		lost += o.lost
		// A surviving master loses nothing.
		if !onVictim[topic] && o.lost > 0 {
			t.Errorf("topic %s on a surviving master lost %d acknowledged messages", topic, o.lost)
		}
		// Redelivery is bounded by what a consumer can hold in flight:
		// entries fetched and acknowledgements sent in the last moments
		// before the kill (its running handlers plus the default prefetch
		// cap, times a margin).
		if bound := 2 * (chaosConcurrency + max(4*chaosConcurrency, 256)); o.dups > bound {
			t.Errorf("topic %s: %d duplicates, more than the %d a consumer can hold in flight", topic, o.dups, bound)
		}
	}
	t.Logf("total: %d acknowledged publishes, %d lost (%.3f%%) to asynchronous replication", acked, lost, 100*float64(lost)/float64(acked))
	if lost*100 > acked {
		t.Errorf("%d of %d acknowledged publishes lost: more than 1%%", lost, acked)
	}
}
