package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/config"
	"goweb/pkg/logger"
	"goweb/pkg/redis/internal/keys"
	"goweb/pkg/redis/redistest"
)

func privateClient(t *testing.T) goredis.UniversalClient {
	t.Helper()
	srv := redistest.Start(t)
	c := goredis.NewClient(&goredis.Options{Addr: srv.Addr})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// privateManager is a Manager of a private redis-server, closed with the
// test.
func privateManager(t *testing.T) *Manager {
	t.Helper()
	srv := redistest.Start(t)
	host, port, _ := net.SplitHostPort(srv.Addr)
	p, _ := strconv.Atoi(port)
	m := NewManager(&config.RedisConfig{Host: host, Port: p}, logger.Nop())
	t.Cleanup(func() { _ = m.Close() })
	return m
}

// Concurrent pushes to two topics are all stored, each publisher's in its
// own order; after close a push fails with ErrClosed.
func TestAutoPipeStoresConcurrentPushesInOrder(t *testing.T) {
	t.Parallel()
	c := privateClient(t)
	p := newAutoPipe(c)
	ctx := context.Background()
	const publishers, each = 8, 200
	var wg sync.WaitGroup
	for g := range publishers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			topic := "t" + strconv.Itoa(g%2)
			for i := range each {
				if err := p.push(ctx, topic, fmt.Appendf(nil, "%d-%d", g, i)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	p.close()
	next := map[string]int{}
	for _, topic := range []string{"t0", "t1"} {
		entries, err := c.LRange(ctx, keys.For(topic).Pending(), 0, -1).Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != publishers/2*each {
			t.Fatalf("%s holds %d entries, want %d", topic, len(entries), publishers/2*each)
		}
		for i := len(entries) - 1; i >= 0; i-- { // LPUSH: oldest at the tail
			var g, n int
			fmt.Sscanf(entries[i], "%d-%d", &g, &n)
			if key := strconv.Itoa(g); n != next[key] {
				t.Fatalf("publisher %d: entry %d after %d", g, n, next[key]-1)
			} else {
				next[key]++
			}
		}
	}
	if err := p.push(ctx, "t0", []byte("late")); !errors.Is(err, ErrClosed) {
		t.Fatalf("push after close = %v, want ErrClosed", err)
	}
}
