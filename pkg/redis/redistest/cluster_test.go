package redistest_test

import (
	"context"
	"testing"
	"time"

	"goweb/pkg/redis/redistest"
)

func TestStartCluster(t *testing.T) {
	t.Parallel()
	start := time.Now()
	c := redistest.StartCluster(t, 3, 1)
	t.Logf("cluster of %d nodes up in %v", len(c.Nodes), time.Since(start))
	ctx := context.Background()
	ms, err := c.Masters(ctx)
	if err != nil || len(ms) != 3 {
		t.Fatalf("masters = %d, %v", len(ms), err)
	}
	cl := c.Client(t)
	if err := cl.Set(ctx, "a", "b", 0).Err(); err != nil {
		t.Fatal(err)
	}
}

func TestStartSentinel(t *testing.T) {
	t.Parallel()
	start := time.Now()
	s := redistest.StartSentinel(t)
	t.Logf("sentinel setup up in %v", time.Since(start))
	ctx := context.Background()
	addr, err := s.MasterAddr(ctx)
	if err != nil || addr != s.Data[0].Addr {
		t.Fatalf("master %s, %v; want %s", addr, err, s.Data[0].Addr)
	}
	if _, err := s.KillMaster(); err != nil {
		t.Fatal(err)
	}
	redistest.Eventually(t, 20*time.Second, "the failover", func() bool {
		addr, _ := s.MasterAddr(ctx)
		return addr == s.Data[1].Addr
	})
	t.Logf("failover done %v after start", time.Since(start))
}
