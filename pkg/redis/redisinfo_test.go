package redis_test

import (
	"slices"
	"strings"
	"testing"

	"goweb/pkg/config"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
)

// RedisInfo names the mode and the nodes of each deployment: one server,
// Sentinel (the master through it, the sentinels, the replica) and Cluster
// (every node, memory and clients summed).
func TestRedisInfoModes(t *testing.T) {
	t.Parallel()
	check := func(t *testing.T, m *redis.Manager, mode string, roles []string) {
		t.Helper()
		info, err := m.RedisInfo(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, n := range info.Nodes {
			got = append(got, strings.SplitN(n.Role, ",", 2)[0])
		}
		slices.Sort(got)
		if info.Mode != mode || !slices.Equal(got, roles) || info.Version == "" || info.UsedMemory <= 0 ||
			info.ConnectedClients < 1 || info.MaxMemoryPolicy == "" || info.EvictsQueueKeys != redis.Evicts(info.MaxMemoryPolicy) {
			t.Errorf("RedisInfo = %+v; want mode %s and roles %v", info, mode, roles)
		}
	}
	t.Run("single", func(t *testing.T) {
		t.Parallel()
		check(t, setup(t).m, "single", []string{"master"})
	})
	t.Run("cluster", func(t *testing.T) {
		t.Parallel()
		check(t, setupCluster(t, startCluster(t, 3, 0)).m, "cluster", []string{"master", "master", "master"})
	})
	t.Run("sentinel", func(t *testing.T) {
		t.Parallel()
		s := redistest.StartSentinel(t)
		cfg := config.RedisConfig{SentinelAddrs: s.SentinelAddrs(), SentinelMaster: s.MasterName()}
		roles := []string{"master", "replica"}
		for range s.SentinelAddrs() {
			roles = append(roles, "sentinel")
		}
		slices.Sort(roles)
		check(t, setupConfig(t, s.SentinelAddrs()[0], cfg).m, "sentinel", roles)
	})
}
