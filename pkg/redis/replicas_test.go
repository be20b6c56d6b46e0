package redis_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"goweb/pkg/config"
	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
)

// With one replica connected and WithReplicaAck asking for 3, the first
// Ping (the service's start) logs one warning naming the setting and both
// counts; asking for 1 logs none (issue 15 follow-up).
func TestTooFewReplicasWarning(t *testing.T) {
	t.Parallel()
	master := redistest.Start(t)
	host, port := splitAddr(t, master.Addr)
	redistest.Start(t, "--replicaof", host, strconv.Itoa(port))
	ctx := context.Background()
	probe := managerFor(t, config.RedisConfig{Host: host, Port: port}, logger.Nop())
	eventually(t, 10*time.Second, "the replica to connect", func() bool {
		n, err := probe.ConnectedReplicas(ctx)
		return err == nil && n == 1
	})
	for _, tc := range []struct {
		want  int
		warns bool
	}{{3, true}, {1, false}} {
		var logs logBuffer
		cfg := config.RedisConfig{Host: host, Port: port, DialTimeout: time.Second}
		m := redis.NewManager(&cfg, logs.logger(), redis.WithDefaultReplicaAck(tc.want, time.Second))
		t.Cleanup(func() { _ = m.Close() })
		for range 2 {
			if err := m.Ping(ctx); err != nil {
				t.Fatal(err)
			}
		}
		n := strings.Count(logs.String(), `"replicas_wanted":`+strconv.Itoa(tc.want)+`,"replicas_connected":1`)
		if tc.warns && (n != 1 || !strings.Contains(logs.String(), "REDIS_WAIT_REPLICAS")) {
			t.Errorf("want %d: want one warning naming REDIS_WAIT_REPLICAS with 3 wanted and 1 connected, got %d in:\n%s", tc.want, n, logs.String())
		}
		if !tc.warns && strings.Contains(logs.String(), "replicas_wanted") {
			t.Errorf("want %d with 1 connected: a warning all the same:\n%s", tc.want, logs.String())
		}
	}
}

// On a cluster every master is asked, and the fewest replicas count: a
// publish waits on its topic's master, whichever that is.
func TestConnectedReplicasCluster(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 3, 1)
	var logs logBuffer
	m := redis.NewManager(&config.RedisConfig{ClusterAddrs: c.Addrs(), DialTimeout: time.Second}, logs.logger(),
		redis.WithDefaultReplicaAck(2, time.Second))
	t.Cleanup(func() { _ = m.Close() })
	ctx := context.Background()
	eventually(t, 10*time.Second, "every master to count its replica", func() bool {
		n, err := m.ConnectedReplicas(ctx)
		return err == nil && n == 1
	})
	if err := m.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), `"replicas_wanted":2,"replicas_connected":1`) {
		t.Errorf("want a warning with 2 wanted and 1 connected, got:\n%s", logs.String())
	}
}
