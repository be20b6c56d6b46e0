package redis_test

import (
	"testing"

	"goweb/pkg/redis"
)

// The behaviours again, on the shared fetch path (WithSharedFetchAbove(0)
// puts every consumer on it), on redis-server and on miniredis.
func TestBehaviourShared(t *testing.T) {
	t.Parallel()
	runBehaviours(t, func(t *testing.T) *bundle { return setup(t).with(t, redis.WithSharedFetchAbove(0)) })
}

func TestBehaviourSharedEmbedded(t *testing.T) {
	t.Parallel()
	addr := startMiniredis(t)
	runBehaviours(t, func(t *testing.T) *bundle { return setupAddr(t, addr).with(t, redis.WithSharedFetchAbove(0)) })
}
