package redis

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	goredis "github.com/redis/go-redis/v9"
)

// RedisInfo describes the Redis the queue runs on, for operators (the
// dashboard's Redis panel).
type RedisInfo struct {
	Version string `json:"version"`
	// Mode is single, sentinel or cluster.
	Mode  string      `json:"mode"`
	Nodes []RedisNode `json:"nodes"`
	// UsedMemory and ConnectedClients are summed over a cluster's nodes.
	UsedMemory int64 `json:"used_memory"`
	// MaxMemory is 0 when Redis has no memory limit.
	MaxMemory       int64  `json:"maxmemory"`
	MaxMemoryPolicy string `json:"maxmemory_policy"`
	// EvictsQueueKeys is Evicts(MaxMemoryPolicy): at maxmemory Redis may
	// delete queue keys, and the messages in them.
	EvictsQueueKeys  bool  `json:"evicts_queue_keys"`
	ConnectedClients int64 `json:"connected_clients"`
	UptimeSeconds    int64 `json:"uptime_seconds"`
}

// RedisNode is one server of the deployment.
type RedisNode struct {
	Addr string `json:"addr"`
	// Role is master, replica or sentinel; a cluster node's flags follow
	// (e.g. "master,fail").
	Role string `json:"role"`
}

// RedisInfo reads INFO (of every node of a cluster) and, on a cluster,
// CLUSTER NODES.
func (m *Manager) RedisInfo(ctx context.Context) (*RedisInfo, error) {
	if err := m.usable(); err != nil {
		return nil, err
	}
	if c, ok := m.client.(*goredis.ClusterClient); ok {
		return m.clusterInfo(ctx, c)
	}
	raw, err := m.client.Info(ctx, "server", "memory", "clients", "replication").Result()
	if err != nil {
		return nil, inspectError(ctx, fmt.Errorf("redis: INFO: %w", err))
	}
	f := infoFields(raw)
	out := newRedisInfo(f)
	out.Mode = "single"
	master := RedisNode{Addr: strings.Join(m.opts.Addrs, ","), Role: f["role"]}
	if m.opts.MasterName != "" {
		out.Mode = "sentinel"
		master.Addr = m.opts.MasterName + " (through Sentinel)"
		for _, s := range m.opts.Addrs {
			out.Nodes = append(out.Nodes, RedisNode{Addr: s, Role: "sentinel"})
		}
	}
	out.Nodes = append([]RedisNode{master}, out.Nodes...)
	for i := 0; ; i++ { // slave0:ip=10.0.0.2,port=6379,state=online,...
		v, ok := f["slave"+strconv.Itoa(i)]
		if !ok {
			break
		}
		kv := map[string]string{}
		for _, p := range strings.Split(v, ",") {
			k, val, _ := strings.Cut(p, "=")
			kv[k] = val
		}
		out.Nodes = append(out.Nodes, RedisNode{Addr: kv["ip"] + ":" + kv["port"], Role: "replica"})
	}
	return out, nil
}

func (m *Manager) clusterInfo(ctx context.Context, c *goredis.ClusterClient) (*RedisInfo, error) {
	nodes, err := c.ClusterNodes(ctx).Result()
	if err != nil {
		return nil, inspectError(ctx, fmt.Errorf("redis: CLUSTER NODES: %w", err))
	}
	var mu sync.Mutex
	var out *RedisInfo
	var used, clients int64
	err = c.ForEachShard(ctx, func(ctx context.Context, n *goredis.Client) error {
		raw, err := n.Info(ctx, "server", "memory", "clients").Result()
		if err != nil {
			return fmt.Errorf("redis: INFO of %s: %w", n.Options().Addr, err)
		}
		f := infoFields(raw)
		mu.Lock()
		defer mu.Unlock()
		if out == nil {
			out = newRedisInfo(f)
		}
		used += atoi(f["used_memory"])
		clients += atoi(f["connected_clients"])
		return nil
	})
	if err != nil {
		return nil, inspectError(ctx, err)
	}
	out.Mode, out.UsedMemory, out.ConnectedClients = "cluster", used, clients
	// <id> <ip:port@cport[,hostname]> <flags> <master> <ping> <pong> <epoch> <link> <slot>...
	for _, line := range strings.Split(strings.TrimSpace(nodes), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		addr, _, _ := strings.Cut(f[1], "@")
		flags := slices.DeleteFunc(strings.Split(f[2], ","), func(s string) bool { return s == "myself" })
		for i, fl := range flags {
			if fl == "slave" {
				flags[i] = "replica"
			}
		}
		out.Nodes = append(out.Nodes, RedisNode{Addr: addr, Role: strings.Join(flags, ",")})
	}
	slices.SortFunc(out.Nodes, func(a, b RedisNode) int { return strings.Compare(a.Addr, b.Addr) })
	return out, nil
}

// newRedisInfo fills what one node's INFO tells.
func newRedisInfo(f map[string]string) *RedisInfo {
	return &RedisInfo{
		Version: f["redis_version"], UsedMemory: atoi(f["used_memory"]), MaxMemory: atoi(f["maxmemory"]),
		MaxMemoryPolicy: f["maxmemory_policy"], EvictsQueueKeys: Evicts(f["maxmemory_policy"]),
		ConnectedClients: atoi(f["connected_clients"]), UptimeSeconds: atoi(f["uptime_in_seconds"]),
	}
}

// infoFields reads INFO's "key:value" lines.
func infoFields(raw string) map[string]string {
	f := map[string]string{}
	for _, line := range strings.Split(raw, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && !strings.HasPrefix(k, "#") {
			f[k] = v
		}
	}
	return f
}
