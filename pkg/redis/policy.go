package redis

import (
	"context"
	"errors"
	"fmt"

	goredis "github.com/redis/go-redis/v9"
)

// MaxMemoryPolicy returns Redis' maxmemory-policy setting, such as
// "noeviction" or "allkeys-lru": from CONFIG GET, or, where CONFIG is
// disabled, renamed or denied (as on many managed services), from INFO
// memory. It returns "" and no error when the server refuses both; an error
// only when Redis could not be asked.
func (m *Manager) MaxMemoryPolicy(ctx context.Context) (string, error) {
	if err := m.usable(); err != nil {
		return "", err
	}
	res, err := m.client.ConfigGet(ctx, "maxmemory-policy").Result()
	if err == nil && res["maxmemory-policy"] != "" {
		return res["maxmemory-policy"], nil
	}
	var reply goredis.Error
	if err != nil && !errors.As(err, &reply) {
		return "", fmt.Errorf("redis: CONFIG GET maxmemory-policy: %w", err)
	}
	// Refused: the server answered, it just won't say. INFO may.
	raw, err := m.client.Info(ctx, "memory").Result()
	if errors.As(err, &reply) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("redis: INFO memory: %w", err)
	}
	return infoFields(raw)["maxmemory_policy"], nil
}

// Evicts reports whether Redis under maxmemory-policy policy may delete
// queue keys when it reaches maxmemory: every policy but noeviction may (the
// volatile-* ones only keys with a TTL, but other applications sharing the
// server set TTLs as they like, and a queue key that is deleted loses its
// messages silently). With noeviction a full Redis refuses publishes
// instead (ErrRedisFull). "" (unknown: Redis would not tell) may too, as
// nothing rules it out.
func Evicts(policy string) bool { return policy != "noeviction" }

// checkServer logs, once per Manager each, what a start should warn about:
// an eviction policy that may delete queue keys, too few replicas for the
// default WithReplicaAck.
func (m *Manager) checkServer(ctx context.Context) {
	m.checkPolicy(ctx)
	m.checkReplicas(ctx)
}

// checkPolicy logs a warning, once per Manager, when Redis may evict queue
// keys or will not say.
func (m *Manager) checkPolicy(ctx context.Context) {
	if m.policyChecked.Load() {
		return
	}
	policy, err := m.MaxMemoryPolicy(ctx)
	if err != nil || !m.policyChecked.CompareAndSwap(false, true) {
		return // unreachable: the next start or Ping asks again
	}
	switch {
	case policy == "":
		m.log.Warn("Redis maxmemory-policy is unknown: this client may run neither CONFIG GET nor INFO memory; make sure it is noeviction, or a full Redis may delete queued messages",
			"maxmemory-policy", "unknown", "redis", m.describe())
	case Evicts(policy):
		m.log.Warn("Redis maxmemory-policy is "+policy+": when Redis reaches maxmemory it deletes keys, and queued messages with them; set maxmemory-policy to noeviction (a full Redis then refuses publishes with ErrRedisFull)",
			"maxmemory-policy", policy, "redis", m.describe())
	}
}
