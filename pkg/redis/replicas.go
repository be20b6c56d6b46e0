package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	goredis "github.com/redis/go-redis/v9"
)

// ConnectedReplicas returns how many replicas are connected to the master
// (INFO replication's connected_slaves); on a cluster, the fewest of any
// master, since a publish waits on the master of its topic. It returns -1
// and no error when the server refuses INFO; an error only when Redis could
// not be asked.
func (m *Manager) ConnectedReplicas(ctx context.Context) (int, error) {
	if err := m.usable(); err != nil {
		return 0, err
	}
	read := func(ctx context.Context, c *goredis.Client) (int, error) {
		raw, err := c.Info(ctx, "replication").Result()
		if err != nil {
			return 0, err
		}
		return strconv.Atoi(infoFields(raw)["connected_slaves"])
	}
	n, err := -1, error(nil)
	switch c := m.client.(type) {
	case *goredis.ClusterClient:
		var mu sync.Mutex
		err = c.ForEachMaster(ctx, func(ctx context.Context, node *goredis.Client) error {
			got, err := read(ctx, node)
			mu.Lock()
			defer mu.Unlock()
			if err == nil && (n < 0 || got < n) {
				n = got
			}
			return err
		})
	case *goredis.Client:
		n, err = read(ctx, c)
	default:
		return -1, nil
	}
	var reply goredis.Error
	if errors.As(err, &reply) {
		return -1, nil // refused: the server answered, it just won't say
	}
	if err != nil {
		return 0, fmt.Errorf("redis: INFO replication: %w", err)
	}
	return n, nil
}

// checkReplicas logs a warning, once per Manager, when a default
// WithReplicaAck (the service's REDIS_WAIT_REPLICAS) asks for more replicas
// than are connected: every such publish would fail with ErrNotReplicated.
func (m *Manager) checkReplicas(ctx context.Context) {
	want := m.replicaAck.n
	if want == 0 || m.replicasChecked.Load() {
		return
	}
	got, err := m.ConnectedReplicas(ctx)
	if err != nil || got < 0 || !m.replicasChecked.CompareAndSwap(false, true) {
		return // unreachable or not telling: the next start or Ping asks again
	}
	if got < want {
		m.log.Warn(fmt.Sprintf("Redis has %d connected replicas, but WithReplicaAck (REDIS_WAIT_REPLICAS) asks %d to confirm every publish: publishes will fail as not replicated until enough replicas connect", got, want),
			"replicas_wanted", want, "replicas_connected", got, "redis", m.describe())
	}
}
