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
// line (miniredis, like Redis 6) gets the plain one, and keeps it. Run and
// RunOnceOn alike, each loading the script (EVAL) when the server lacks it.
func TestFlagLineFallsBack(t *testing.T) {
	for name, run := range map[string]func(context.Context, *Script, *redis.Client) *redis.Cmd{
		"Run": func(ctx context.Context, s *Script, c *redis.Client) *redis.Cmd { return s.Run(ctx, c, []string{"k"}) },
		"RunOnceOn": func(ctx context.Context, s *Script, c *redis.Client) *redis.Cmd {
			return s.RunOnceOn(ctx, c, c, []string{"k"})
		},
	} {
		t.Run(name, func(t *testing.T) { testFlagLineFallsBack(t, run) })
	}
}

func testFlagLineFallsBack(t *testing.T, run func(context.Context, *Script, *redis.Client) *redis.Cmd) {
	ctx := context.Background()

	real := redistest.Start(t)
	s := allowOOM("return redis.call('INCR', KEYS[1])")
	c := real.Client(t)
	if n, err := run(ctx, s, c).Int(); err != nil || n != 1 {
		t.Fatalf("on redis-server: %d, %v", n, err)
	}
	if loaded, err := c.ScriptExists(ctx, s.flagged.Hash(), s.plain.Hash()).Result(); err != nil || !loaded[0] || loaded[1] {
		t.Fatalf("on redis-server the flagged script should run, not the plain one: %v, %v", loaded, err)
	}

	mr := miniredis.RunT(t)
	mc := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer mc.Close()
	for want := 1; want <= 2; want++ {
		if n, err := run(ctx, s, mc).Int(); err != nil || n != want {
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
	if err := run(ctx, s, c).Err(); err != nil {
		t.Fatal(err)
	}
	if loaded, err := c.ScriptExists(ctx, s.flagged.Hash(), s.plain.Hash()).Result(); err != nil || !loaded[0] || loaded[1] {
		t.Fatalf("after miniredis, redis-server should still run the flagged script: %v, %v", loaded, err)
	}
}

// A write that Redis does not answer in time is not sent again: go-redis
// resends a command whose reply timed out, on a fresh connection, so the
// first such write to a frozen Redis waited out a second read timeout (or
// the caller's deadline), and could be stored twice.
func TestNotResent(t *testing.T) {
	srv := redistest.Start(t)
	s := denyOOM("return redis.call('INCR', KEYS[1])")
	const readTimeout = time.Second
	for name, write := range map[string]func(context.Context, *redis.Client) error{
		"script": func(ctx context.Context, c *redis.Client) error { return s.RunOnceOn(ctx, c, c, []string{"k"}).Err() },
		"LPUSH": func(ctx context.Context, c *redis.Client) error {
			return c.Process(ctx, NotResent(redis.NewIntCmd(ctx, "lpush", "l", "x")))
		},
	} {
		c := redis.NewClient(&redis.Options{Addr: srv.Addr, ReadTimeout: readTimeout, ContextTimeoutEnabled: true})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := write(ctx, c); err != nil { // the script loaded, a connection open
			t.Fatal(err)
		}
		srv.Pause()
		start := time.Now()
		err := write(ctx, c)
		took := time.Since(start)
		srv.Resume()
		cancel()
		c.Close()
		t.Logf("%s: %v after %v", name, err, took)
		if err == nil || took > readTimeout*3/2 {
			t.Errorf("%s to a frozen Redis: %v after %v; want a timeout after the %v read timeout, not sent again", name, err, took, readTimeout)
		}
	}
}
