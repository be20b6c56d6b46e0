package redis_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"goweb/pkg/redis"
	"goweb/pkg/redis/internal/keys"
)

func init() {
	behaviours["UnwritableDeadLetterKeepsInvalidEntry"] = testUnwritableDeadLetterKeepsInvalidEntry
	behaviours["UnwritableDeadLetterKeepsFailedMessage"] = testUnwritableDeadLetterKeepsFailedMessage
	behaviours["UnwritableRequeueKeepsDeadLetter"] = testUnwritableRequeueKeepsDeadLetter
}

// logging returns a bundle on the same Redis and topic whose manager logs
// to the returned buffer.
func (b *bundle) logging(t *testing.T) (*bundle, *logBuffer) {
	t.Helper()
	var out logBuffer
	cfg := b.cfg
	m := redis.NewManager(&cfg, out.logger())
	t.Cleanup(func() { _ = m.Close() })
	nb := *b
	nb.m, nb.q = m, m.GetQueue()
	return &nb, &out
}

// Redis keeps what a script did before a command failed. dead.lua used to
// take the entry out of the inflight hash before the ZADD to a dead key of
// the wrong type failed, and the entry was gone from everywhere.
func testUnwritableDeadLetterKeepsInvalidEntry(t *testing.T, b *bundle) {
	b, out := b.logging(t)
	breakDeadKey(t, b)
	if err := b.m.Client().LPush(b.ctx, keys.For(b.topic).Pending(), "garbage-for-dead").Err(); err != nil {
		t.Fatal(err)
	}
	subscribe(t, b, func(context.Context, *redis.Message) error { return nil })
	deadLetterOnceWritable(t, b, out, "garbage-for-dead")
}

// A message whose handler failed for the last time is kept the same way.
func testUnwritableDeadLetterKeepsFailedMessage(t *testing.T, b *bundle) {
	b, out := b.logging(t)
	breakDeadKey(t, b)
	if err := b.q.Publish(b.ctx, b.topic, map[string]interface{}{"n": "last-try"}); err != nil {
		t.Fatal(err)
	}
	subscribe(t, b, func(context.Context, *redis.Message) error { return errors.New("always fails") }, fastRetries(0)...)
	deadLetterOnceWritable(t, b, out, `"last-try"`)
	// The line follows the script that wrote the dead letter, so it may
	// come a moment after the dead letter is visible.
	eventually(t, 5*time.Second, "a \"message dead-lettered\" line once the dead letter was written", func() bool {
		return strings.Contains(out.String(), "message dead-lettered")
	})
}

// breakDeadKey makes the topic's dead key unwritable: a string where a
// sorted set belongs.
func breakDeadKey(t *testing.T, b *bundle) {
	t.Helper()
	if err := b.m.Client().Set(b.ctx, keys.For(b.topic).Dead(), "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
}

// deadLetterOnceWritable waits until a consumer failed to write to the
// broken dead key, checks that the entry holding want is
// still in flight and was not logged as dead-lettered, then repairs the key
// and waits for the dead letter.
func deadLetterOnceWritable(t *testing.T, b *bundle, out *logBuffer, want string) {
	t.Helper()
	eventually(t, 10*time.Second, "a failed dead-letter write", func() bool {
		return strings.Contains(out.String(), "dead-letter failed")
	})
	held, err := b.m.Inspector().InFlight(b.ctx, b.topic, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(held) != 1 || !strings.Contains(held[0].Entry, want) {
		t.Fatalf("in flight after the failed dead-letter write = %+v, want the entry with %q", held, want)
	}
	if strings.Contains(out.String(), "message dead-lettered") {
		t.Errorf("logged \"message dead-lettered\" for a message that was not")
	}
	if err := b.m.Client().Del(b.ctx, keys.For(b.topic).Dead()).Err(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the dead letter once the key is fixed", func() bool {
		s := stats(t, b)
		return s.Dead == 1 && s.InFlight == 0 && s.Pending == 0
	})
	dls, err := b.m.Inspector().DeadLetters(b.ctx, b.topic, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(dls) != 1 || !strings.Contains(dls[0].Entry, want) {
		t.Fatalf("dead letters = %+v, want one with %q", dls, want)
	}
}

// revive.lua removed a dead letter before pushing it: a pending key of the
// wrong type lost it.
func testUnwritableRequeueKeepsDeadLetter(t *testing.T, b *bundle) {
	publishN(t, b, 1)
	stop := subscribe(t, b, func(context.Context, *redis.Message) error { return redis.SkipRetry(nil) })
	eventually(t, 5*time.Second, "a dead letter", func() bool { return stats(t, b).Dead == 1 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	pending := keys.For(b.topic).Pending()
	if err := b.m.Client().Set(b.ctx, pending, "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.m.Inspector().RequeueAllDead(b.ctx, b.topic); err == nil {
		t.Fatal("RequeueAllDead into a pending key of the wrong type succeeded")
	}
	if dls, err := b.m.Inspector().DeadLetters(b.ctx, b.topic, 0, 10); err != nil || len(dls) != 1 {
		t.Fatalf("dead letters after the failed requeue = %d, %v; want the one", len(dls), err)
	}
	if err := b.m.Client().Del(b.ctx, pending).Err(); err != nil {
		t.Fatal(err)
	}
	if n, err := b.m.Inspector().RequeueAllDead(b.ctx, b.topic); err != nil || n != 1 {
		t.Fatalf("RequeueAllDead once the key is fixed = %d, %v; want 1", n, err)
	}
	if s := stats(t, b); s.Pending != 1 || s.Dead != 0 {
		t.Errorf("stats after the requeue = %+v, want 1 pending, 0 dead", s)
	}
}

// A worker retrying a dead letter that cannot be written gives up when the
// shutdown timeout cancels the handlers: Subscribe returns in time, and the
// entry, still in flight, is handed back to the queue.
func TestUnwritableDeadLetterDoesNotHoldUpShutdown(t *testing.T) {
	t.Parallel()
	b, out := setup(t).logging(t)
	breakDeadKey(t, b)
	publishN(t, b, 1)
	stop := subscribe(t, b, func(context.Context, *redis.Message) error { return redis.SkipRetry(nil) },
		redis.WithShutdownTimeout(200*time.Millisecond))
	eventually(t, 10*time.Second, "a failed dead-letter write", func() bool {
		return strings.Contains(out.String(), "dead-letter failed")
	})
	start := time.Now()
	if err := stop(); err != nil {
		t.Fatalf("Subscribe returned %v", err)
	}
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("shutdown took %v with a dead letter that cannot be written", took)
	}
	n, err := b.m.Client().LLen(b.ctx, keys.For(b.topic).Pending()).Result()
	if err != nil || n != 1 {
		t.Fatalf("pending after shutdown = %d, %v; want the entry handed back", n, err)
	}
}
