package redis_test

import (
	"context"
	"encoding/json"
	"io"
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

// runChild subscribes with concurrency 4, or with GW_CHILD_GLOBAL set,
// with that global concurrency limit and a 2s recovery window; with
// GW_CHILD_WINDOW set, with that recovery window.
func runChild() {
	host := os.Getenv("GW_CHILD_HOST")
	port, _ := strconv.Atoi(os.Getenv("GW_CHILD_PORT"))
	if n, _ := strconv.Atoi(os.Getenv("GW_CHILD_TRICKLE")); n > 0 {
		runTrickleChild(redis.NewManager(&config.RedisConfig{Host: host, Port: port}, logger.Nop()), n)
		return
	}
	if n, _ := strconv.Atoi(os.Getenv("GW_CHILD_IDLE")); n > 0 {
		// A pool of idleChildPool, not the default 10 a CPU: the pool's
		// connection buffers count in the heap the child reports.
		runIdleChild(redis.NewManager(&config.RedisConfig{Host: host, Port: port, PoolSize: idleChildPool}, logger.Nop()), n)
		return
	}
	if n, _ := strconv.Atoi(os.Getenv("GW_CHILD_TOPICS")); n > 0 {
		runManyChild(redis.NewManager(&config.RedisConfig{Host: host, Port: port}, logger.Nop(), redis.WithSharedFetchAbove(sharedAbove)), n)
		return
	}
	m := redis.NewManager(&config.RedisConfig{Host: host, Port: port}, logger.Nop())
	opts := []redis.SubscribeOption{redis.WithConcurrency(4)}
	if g, _ := strconv.Atoi(os.Getenv("GW_CHILD_GLOBAL")); g > 0 {
		opts = append(opts, redis.WithGlobalConcurrency(g), redis.WithRecoveryWindow(childWindow))
	}
	if w, err := time.ParseDuration(os.Getenv("GW_CHILD_WINDOW")); err == nil {
		opts = append(opts, redis.WithRecoveryWindow(w))
	}
	_ = m.GetQueue().Subscribe(context.Background(), os.Getenv("GW_CHILD_TOPIC"), func(ctx context.Context, _ *redis.Message) error {
		<-ctx.Done() // hold the message until killed
		return ctx.Err()
	}, opts...)
}

// childWindow is the recovery window of a child with GW_CHILD_GLOBAL.
const childWindow = 2 * time.Second

// startChild starts the test binary as a consumer of b's topic (see
// runChild) with the extra environment env.
func startChild(t *testing.T, b *bundle, env ...string) *exec.Cmd {
	t.Helper()
	return startChildTo(t, b, nil, env...)
}

// startChildTo is startChild with the child's stdout written to out.
func startChildTo(t *testing.T, b *bundle, out io.Writer, env ...string) *exec.Cmd {
	t.Helper()
	host, port := splitAddr(t, srv.Addr)
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(append(os.Environ(), childEnv+"=1", "GW_CHILD_HOST="+host,
		"GW_CHILD_PORT="+strconv.Itoa(port), "GW_CHILD_TOPIC="+b.topic), env...)
	// The child dies with the test binary, whatever happens to the test.
	child.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	child.Stdout = out
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })
	return child
}

func TestKilledConsumerMessagesAreRecovered(t *testing.T) {
	t.Parallel()
	b := setup(t)
	killedConsumerRecovered(t, b, b)
}

// A process on the per-topic path (one topic) is SIGKILLed while the only
// other consumer of its topic is on the shared path, whose leaser reaps
// processes, not topics: the killed process's lease in mq:processes lists
// its consumer, so its messages are back within the recovery window too.
func TestKilledPerTopicProcessRecoveredBySharedPath(t *testing.T) {
	t.Parallel()
	b := setup(t)
	killedConsumerRecovered(t, b, b.with(t, redis.WithSharedFetchAbove(0)))
}

// killedConsumerRecovered starts a child consuming b's topic on the
// per-topic path, lets it take every message, SIGKILLs it, and checks that
// a consumer of parent (b's topic) handles them all within the child's
// recovery window.
func killedConsumerRecovered(t *testing.T, b, parent *bundle) {
	t.Helper()
	// The child's recovery window, shorter than the default 10s so that
	// the test does not wait for it, and twice the parent's, whose reaper
	// finds the child's lease expired within 0.9 of its own window: the
	// recovery takes 2.9s at most, with a second to spare for a loaded
	// machine, much as the default window had.
	const window = 4 * time.Second
	const n = 8 // concurrency 4 plus 4 prefetched: the child holds them all
	for i := 0; i < n; i++ {
		if err := b.q.Publish(b.ctx, b.topic, map[string]interface{}{"n": i}); err != nil {
			t.Fatal(err)
		}
	}
	child := startChild(t, b, "GW_CHILD_WINDOW="+window.String())
	// The child takes everything.
	eventually(t, 10*time.Second, "child to take all messages", func() bool {
		n, _ := b.m.Client().LLen(b.ctx, keys.For(b.topic).Pending()).Result()
		return n == 0
	})
	_ = child.Process.Signal(syscall.SIGKILL)
	killed := time.Now()

	var mu sync.Mutex
	seen := map[json.Number]int{}
	subscribe(t, parent, func(ctx context.Context, m *redis.Message) error {
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
	if took := time.Since(killed); took > window {
		t.Errorf("recovery took %v, want within the child's %v recovery window", took, window)
	}
	t.Logf("recovered %d messages %v after SIGKILL", n, time.Since(killed).Round(time.Millisecond))
}

// TestKilledHolderSlotsComeBack: a process holding all 3 global
// concurrency slots is SIGKILLed; another consumer gets the slots (and the
// messages) within the killed process's recovery window.
func TestKilledHolderSlotsComeBack(t *testing.T) {
	t.Parallel()
	b := setup(t)
	publishBatch(t, b, 6)
	child := startChild(t, b, "GW_CHILD_GLOBAL=3")
	slots := keys.For(b.topic).Slots()
	eventually(t, 10*time.Second, "the child to hold all 3 slots", func() bool {
		held, _ := b.m.Client().HGetAll(b.ctx, slots).Result()
		total := 0
		for field, n := range held {
			if field != "~wait" {
				v, _ := strconv.Atoi(n)
				total += v
			}
		}
		return total == 3
	})
	_ = child.Process.Signal(syscall.SIGKILL)
	killed := time.Now()

	var s starts
	subscribe(t, b, s.handler(0), redis.WithConcurrency(10), redis.WithGlobalConcurrency(3), redis.WithRecoveryWindow(childWindow))
	eventually(t, 15*time.Second, "all 6 messages after the kill", func() bool { return stats(t, b).Processed == 6 })
	first := s.first(killed).Sub(killed)
	t.Logf("first slot back %v after SIGKILL (recovery window %v)", first.Round(time.Millisecond), childWindow)
	if first > childWindow {
		t.Errorf("the first slot came back %v after SIGKILL, want within the %v recovery window", first, childWindow)
	}
	if most := s.maxRunning(); most > 3 {
		t.Errorf("%d handlers ran at once, want at most 3", most)
	}
}
