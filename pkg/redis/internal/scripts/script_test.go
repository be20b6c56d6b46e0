package scripts

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"goweb/pkg/redis/redistest"
)

// A client of a stopped server lets its reconnect goroutine sleep out its
// last second: allow for it, as the packages that stop servers do.
func TestMain(m *testing.M) { os.Exit(redistest.CheckLeaks(m.Run(), 3*time.Second)) }

// Redis 7 runs the flagged script; a server that cannot compile the flag
// line (miniredis, like Redis 6) gets the plain one, and keeps it.
func TestFlagLineFallsBack(t *testing.T) {
	ctx := context.Background()

	real := redistest.Start(t)
	s := allowOOM("return redis.call('INCR', KEYS[1])")
	c := real.Client(t)
	if n, err := s.Run(ctx, c, []string{"k"}).Int(); err != nil || n != 1 {
		t.Fatalf("on redis-server: %d, %v", n, err)
	}
	if loaded, err := c.ScriptExists(ctx, s.flagged.Hash(), s.plain.Hash()).Result(); err != nil || !loaded[0] || loaded[1] {
		t.Fatalf("on redis-server the flagged script should run, not the plain one: %v, %v", loaded, err)
	}

	mr := miniredis.RunT(t)
	mc := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer mc.Close()
	for want := 1; want <= 2; want++ {
		if n, err := s.Run(ctx, mc, []string{"k"}).Int(); err != nil || n != want {
			t.Fatalf("on miniredis, run %d: %d, %v", want, n, err)
		}
	}
	if _, ok := s.unflagged.Load(mc); !ok {
		t.Fatal("the script did not remember to run unflagged on miniredis")
	}
	// redis-server still gets the flagged script.
	if _, err := c.ScriptFlush(ctx).Result(); err != nil {
		t.Fatal(err)
	}
	if err := s.Run(ctx, c, []string{"k"}).Err(); err != nil {
		t.Fatal(err)
	}
	if loaded, err := c.ScriptExists(ctx, s.flagged.Hash(), s.plain.Hash()).Result(); err != nil || !loaded[0] || loaded[1] {
		t.Fatalf("after miniredis, redis-server should still run the flagged script: %v, %v", loaded, err)
	}
}
