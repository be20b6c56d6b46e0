package redis_test

import (
	"context"
	"testing"
	"time"

	"goweb/pkg/redis/internal/keys"
)

// TestGlobalConcurrencyTakesNothingBeforeASlot: two processes, each with
// concurrency 4 and a global limit of 2, consume 12 messages they hold
// forever. The two slots are taken and every other message stays in the
// pending list, where stats, peek and KEDA count it: none is parked on a
// waiting consumer's claim list (where a SIGKILL would have left it until
// the recovery window ended).
func TestGlobalConcurrencyTakesNothingBeforeASlot(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const n = 12
	publishBatch(t, b, n)
	startChild(t, b, "GW_CHILD_GLOBAL=2")
	startChild(t, b, "GW_CHILD_GLOBAL=2")
	k := keys.For(b.topic)
	eventually(t, 15*time.Second, "two consumers, both slots held and one waiting", func() bool {
		s := stats(t, b)
		waiting, _ := b.m.Client().HExists(b.ctx, k.Slots(), "~wait").Result()
		return s.Consumers == 2 && s.InFlight == 2 && waiting
	})
	// A consumer that found no slot blocks on the empty-handed wait
	// (BLMOVE) at most once before it waits for a slot: the parking, if
	// any, happens within moments. Check the counts for a while.
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); {
		if s := stats(t, b); s.Pending != n-2 || s.InFlight != 2 {
			t.Fatalf("pending %d, in flight %d: want %d and 2, nothing out of sight", s.Pending, s.InFlight, n-2)
		}
		claims, err := b.m.Client().Keys(b.ctx, k.Claim("*")).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range claims {
			if held, _ := b.m.Client().LLen(b.ctx, c).Result(); held > 0 {
				t.Fatalf("%s holds %d entries of a consumer waiting for a slot", c, held)
			}
		}
		waitFor(b.ctx, 50*time.Millisecond)
	}
}

// waitFor pauses d between two looks at the state, not for a deadline.
func waitFor(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
