package redis

import (
	"context"
	"errors"
	"fmt"

	goredis "github.com/redis/go-redis/v9"
)

// MaxMemoryPolicy returns Redis' maxmemory-policy setting, such as
// "noeviction" or "allkeys-lru". It returns "" and no error when the server
// does not let this client read its configuration (CONFIG disabled, renamed
// or denied by an ACL, as on many managed services); an error only when
// Redis could not be asked.
func (m *Manager) MaxMemoryPolicy(ctx context.Context) (string, error) {
	if err := m.usable(); err != nil {
		return "", err
	}
	res, err := m.client.ConfigGet(ctx, "maxmemory-policy").Result()
	var reply goredis.Error
	if errors.As(err, &reply) {
		return "", nil // refused: the server answered, it just won't say
	}
	if err != nil {
		return "", fmt.Errorf("redis: CONFIG GET maxmemory-policy: %w", err)
	}
	return res["maxmemory-policy"], nil
}

// Evicts reports whether Redis under maxmemory-policy policy may delete
// queue keys when it reaches maxmemory: every policy but noeviction may (the
// volatile-* ones only keys with a TTL, but other applications sharing the
// server set TTLs as they like, and a queue key that is deleted loses its
// messages silently). With noeviction a full Redis refuses publishes
// instead (ErrRedisFull). "" (unknown) is not reported as evicting.
func Evicts(policy string) bool { return policy != "" && policy != "noeviction" }

// checkPolicy logs a warning, once per Manager, when Redis may evict queue
// keys. A server that does not tell counts as checked.
func (m *Manager) checkPolicy(ctx context.Context) {
	if m.policyChecked.Load() {
		return
	}
	policy, err := m.MaxMemoryPolicy(ctx)
	if err != nil || !m.policyChecked.CompareAndSwap(false, true) {
		return // unreachable: the next start or Ping asks again
	}
	if Evicts(policy) {
		m.log.Warn("Redis maxmemory-policy is "+policy+": when Redis reaches maxmemory it deletes keys, and queued messages with them; set maxmemory-policy to noeviction (a full Redis then refuses publishes with ErrRedisFull)",
			"maxmemory-policy", policy, "redis", m.describe())
	}
}
