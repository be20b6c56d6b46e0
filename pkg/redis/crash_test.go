package redis_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"goweb/pkg/config"
	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/pkg/redis/internal/keys"
)

// childEnv makes the test binary act as a consumer process that takes
// messages and never finishes them, so the parent can SIGKILL it.
const childEnv = "GW_TEST_CHILD"

func runChild() {
	host := os.Getenv("GW_CHILD_HOST")
	port, _ := strconv.Atoi(os.Getenv("GW_CHILD_PORT"))
	m := redis.NewManager(&config.RedisConfig{Host: host, Port: port}, logger.Nop())
	_ = m.GetQueue().Subscribe(context.Background(), os.Getenv("GW_CHILD_TOPIC"), func(ctx context.Context, _ *redis.Message) error {
		<-ctx.Done() // hold the message until killed
		return ctx.Err()
	}, redis.WithConcurrency(4))
}

func TestKilledConsumerMessagesAreRecovered(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const n = 8 // concurrency 4 plus 4 prefetched: the child holds them all
	for i := 0; i < n; i++ {
		if err := b.q.Publish(b.ctx, b.topic, map[string]interface{}{"n": i}); err != nil {
			t.Fatal(err)
		}
	}
	host, port := splitAddr(t, srv.Addr)
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), childEnv+"=1", "GW_CHILD_HOST="+host,
		"GW_CHILD_PORT="+strconv.Itoa(port), "GW_CHILD_TOPIC="+b.topic)
	// The child dies with the test binary, whatever happens to the test.
	child.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })
	// The child takes everything.
	eventually(t, 10*time.Second, "child to take all messages", func() bool {
		n, _ := b.m.Client().LLen(b.ctx, keys.For(b.topic).Pending()).Result()
		return n == 0
	})
	_ = child.Process.Signal(syscall.SIGKILL)
	killed := time.Now()

	var mu sync.Mutex
	seen := map[json.Number]int{}
	subscribe(t, b, func(ctx context.Context, m *redis.Message) error {
		mu.Lock()
		seen[m.Data["n"].(json.Number)]++
		mu.Unlock()
		return nil
	}, redis.WithRecoveryWindow(2*time.Second))
	eventually(t, 15*time.Second, "all messages after the kill", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seen) == n
	})
	// The child's lease is the default recovery window (10s).
	if took := time.Since(killed); took > 10*time.Second {
		t.Errorf("recovery took %v, want within the 10s recovery window", took)
	}
	t.Logf("recovered %d messages %v after SIGKILL", n, time.Since(killed).Round(time.Millisecond))
}
