package redis_test

import (
	"testing"

	"github.com/alicebob/miniredis/v2"

	"goweb/pkg/redis"
)

// The behaviours again, on the shared fetch path (WithSharedFetchAbove(0)
// puts every consumer on it), on redis-server and on miniredis.
func TestBehaviourShared(t *testing.T) {
	t.Parallel()
	for name, fn := range behaviours {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, setup(t).with(t, redis.WithSharedFetchAbove(0)))
		})
	}
}

func TestBehaviourSharedEmbedded(t *testing.T) {
	t.Parallel()
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(mr.Close)
	for name, fn := range behaviours {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, setupAddr(t, mr.Addr()).with(t, redis.WithSharedFetchAbove(0)))
		})
	}
}
