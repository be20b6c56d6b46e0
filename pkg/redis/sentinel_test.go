package redis_test

import (
	"testing"
	"time"

	"goweb/pkg/config"
	"goweb/pkg/redis/redistest"
)

// TestSentinelFailover runs a master, a replica and three sentinels, kills
// the master while publishers and consumers run, and checks that both carry
// on by themselves on the promoted replica within seconds.
func TestSentinelFailover(t *testing.T) {
	t.Parallel()
	s := redistest.StartSentinel(t)
	cfg := config.RedisConfig{SentinelAddrs: s.SentinelAddrs(), SentinelMaster: s.MasterName()}
	b := setupConfig(t, s.SentinelAddrs()[0], cfg)
	old, err := s.MasterAddr(b.ctx)
	if err != nil {
		t.Fatal(err)
	}

	topics := []string{b.topic + ".a", b.topic + ".b"}
	ch := startChaos(t, b.ctx, b.m, b.another(t), topics)
	ch.warm(300)
	ch.kill(func() {
		if _, err := s.KillMaster(); err != nil {
			t.Fatal(err)
		}
	})
	// Sentinels declare the master down after 1 s and promote the replica
	// about a second later; the clients follow +switch-master.
	const bound = 15 * time.Second
	for _, topic := range topics {
		pubRec, consRec := ch.recovered(topic, bound)
		t.Logf("%s: publishing resumed %v after the kill, consuming %v", topic, pubRec.Round(time.Millisecond), consRec.Round(time.Millisecond))
	}
	now, err := s.MasterAddr(b.ctx)
	if err != nil || now == old {
		t.Fatalf("sentinels name %s (%v) as master, the killed one was %s", now, err, old)
	}
	ch.warm(ch.seen(topics[0]) + 300)
	outcomes := ch.finish(30 * time.Second)
	var acked, lost int
	for _, topic := range topics {
		o := outcomes[topic]
		t.Logf("topic %s: %v", topic, o)
		acked += o.acked
		lost += o.lost
		if bound := 8 * 2 * chaosConcurrency; o.dups > bound {
			t.Errorf("topic %s: %d duplicates, more than the %d a consumer can hold in flight", topic, o.dups, bound)
		}
	}
	t.Logf("total: %d acknowledged publishes, %d lost (%.3f%%) to asynchronous replication", acked, lost, 100*float64(lost)/float64(acked))
	if lost*100 > acked {
		t.Errorf("%d of %d acknowledged publishes lost: more than 1%%", lost, acked)
	}
}
