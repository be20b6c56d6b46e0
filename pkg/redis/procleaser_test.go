package redis

import (
	"context"
	"strconv"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/redis/internal/keys"
)

// setupProcLeaser starts a private Redis and returns a context bound to the
// test, a client of it and the process leaser of a fresh Manager.
func setupProcLeaser(t *testing.T) (context.Context, goredis.UniversalClient, *procLeaser) {
	t.Helper()
	m := privateManager(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx, m.Client(), m.GetQueue().sharing.leaser
}

// A shared-path process whose lease ran out is tombstoned, not forgotten,
// the first time a reaper finds it, even when it held nothing: it may only
// have been late to renew, then taken messages and died. It is forgotten
// when its tombstone runs out with nothing held.
func TestProcessReapedIsTombstonedFirst(t *testing.T) {
	t.Parallel()
	ctx, client, leaser := setupProcLeaser(t)
	const pid = "late-process"
	ms := func(d time.Duration) float64 { return float64(time.Now().Add(d).UnixMilli()) }
	if err := client.ZAdd(ctx, keys.Processes, goredis.Z{Score: ms(-time.Second), Member: pid}).Err(); err != nil {
		t.Fatal(err)
	}
	if err := client.HSet(ctx, keys.Process(pid), pid+"-c1", "late.topic").Err(); err != nil {
		t.Fatal(err)
	}

	leaser.reap(ctx)
	score, err := client.ZScore(ctx, keys.Processes, pid).Result()
	if err != nil || !isTombstone(score) || score < ms(0) {
		t.Fatalf("after the first reap: score %v, %v; want a tombstone in the future", score, err)
	}
	if n, _ := client.HLen(ctx, keys.Process(pid)).Result(); n != 1 {
		t.Errorf("after the first reap the process lists %d consumers, want 1", n)
	}

	// The tombstone runs out with nothing held: forgotten.
	if err := client.ZAdd(ctx, keys.Processes, goredis.Z{Score: tombstone(int64(ms(-time.Second))), Member: pid}).Err(); err != nil {
		t.Fatal(err)
	}
	leaser.reap(ctx)
	if err := client.ZScore(ctx, keys.Processes, pid).Err(); err == nil {
		t.Error("a run-out tombstone with nothing held is still listed")
	}
	if n, _ := client.Exists(ctx, keys.Process(pid)).Result(); n != 0 {
		t.Error("a forgotten process still has its consumers listed")
	}
}

// A dead process's consumer whose lease in its topic is still valid (a
// per-topic consumer renews it apart from its process's lease) is not
// reaped yet: the process is looked at again when that lease ends, not a
// tombstone later, and its messages are handed back then.
func TestProcessReapedAgainWhenTopicLeaseEnds(t *testing.T) {
	t.Parallel()
	ctx, client, leaser := setupProcLeaser(t)
	const pid, cid, topic = "dead-process", "dead-process-c1", "dead.topic"
	k := keys.For(topic)
	ms := func(d time.Duration) float64 { return float64(time.Now().Add(d).UnixMilli()) }
	until := ms(3 * time.Second)
	for _, err := range []error{
		client.ZAdd(ctx, keys.Processes, goredis.Z{Score: ms(-time.Second), Member: pid}).Err(),
		client.HSet(ctx, keys.Process(pid), cid, topic).Err(),
		client.ZAdd(ctx, k.Consumers(), goredis.Z{Score: until, Member: cid}).Err(),
		client.HSet(ctx, k.Inflight(cid), "1", `{"data":{}}`).Err(),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}

	leaser.reap(ctx)
	if score, err := client.ZScore(ctx, keys.Processes, pid).Result(); err != nil || score != until {
		t.Fatalf("after the first reap: score %v, %v; want the topic lease's end %v, not a tombstone", score, err, until)
	}
	if n, _ := client.HLen(ctx, k.Inflight(cid)).Result(); n != 1 {
		t.Fatalf("a consumer whose topic lease is valid lost %d of 1 entries", 1-n)
	}

	// Its topic lease ends: handed back, and the process tombstoned.
	leasesRanOut(t, ctx, client, k, cid, pid)
	leaser.reap(ctx)
	if n, _ := client.LLen(ctx, k.Pending()).Result(); n != 1 {
		t.Errorf("after the topic lease ended %d entries were handed back, want 1", n)
	}
	if score, err := client.ZScore(ctx, keys.Processes, pid).Result(); err != nil || !isTombstone(score) {
		t.Errorf("after handing back: score %v, %v; want a tombstone", score, err)
	}
}

// A dead process with one consumer whose topic lease is still valid and
// one whose ran out: the second is handed back and tombstoned at once, the
// first when its lease ends; that second look tombstones the process,
// rather than taking the first consumer's tombstone for a valid topic
// lease and looking again only when it runs out (which kept a dead
// process listed a recovery window or two longer).
func TestProcessTombstonedWhenItsLastTopicLeaseEnds(t *testing.T) {
	t.Parallel()
	ctx, client, leaser := setupProcLeaser(t)
	const pid, live, dead, topic = "half-dead", "half-dead-c1", "half-dead-c2", "half.topic"
	k := keys.For(topic)
	ms := func(d time.Duration) float64 { return float64(time.Now().Add(d).UnixMilli()) }
	until := ms(3 * time.Second)
	setUp := []error{
		client.ZAdd(ctx, keys.Processes, goredis.Z{Score: ms(-time.Second), Member: pid}).Err(),
		client.HSet(ctx, keys.Process(pid), live, topic, dead, topic).Err(),
		client.ZAdd(ctx, k.Consumers(), goredis.Z{Score: until, Member: live}, goredis.Z{Score: ms(-time.Second), Member: dead}).Err(),
	}
	for _, cid := range []string{live, dead} {
		setUp = append(setUp, client.HSet(ctx, k.Inflight(cid), "1", `{"id":"`+cid+`","data":{}}`).Err())
	}
	for _, err := range setUp {
		if err != nil {
			t.Fatal(err)
		}
	}

	leaser.reap(ctx)
	if n, _ := client.LLen(ctx, k.Pending()).Result(); n != 1 {
		t.Fatalf("first look: %d entries handed back, want the 1 whose lease ran out", n)
	}
	if score, err := client.ZScore(ctx, keys.Processes, pid).Result(); err != nil || score != until {
		t.Fatalf("first look: process score %v, %v; want the valid topic lease's end %v", score, err, until)
	}

	// The live consumer's topic lease ends; the dead one's tombstone has
	// not run out yet.
	leasesRanOut(t, ctx, client, k, live, pid)
	leaser.reap(ctx)
	if n, _ := client.LLen(ctx, k.Pending()).Result(); n != 2 {
		t.Errorf("second look: %d entries handed back in all, want 2", n)
	}
	if score, err := client.ZScore(ctx, keys.Processes, pid).Result(); err != nil || !isTombstone(score) {
		t.Errorf("second look: process score %v, %v; want a tombstone (the other consumer's tombstone is not a topic lease)", score, err)
	}
}

// leasesRanOut makes consumer cid's lease in its topic and its process
// pid's lease end a second ago.
func leasesRanOut(t *testing.T, ctx context.Context, client goredis.UniversalClient, k keys.TopicKeys, cid, pid string) {
	t.Helper()
	past := float64(time.Now().Add(-time.Second).UnixMilli())
	for _, err := range []error{
		client.ZAdd(ctx, k.Consumers(), goredis.Z{Score: past, Member: cid}).Err(),
		client.ZAdd(ctx, keys.Processes, goredis.Z{Score: past, Member: pid}).Err(),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// Consumers that join the process's lease together are listed together:
// every one of them is listed, in far fewer writes than consumers; and one
// that leaves is no longer listed.
func TestProcessJoinsAreListedTogether(t *testing.T) {
	t.Parallel()
	ctx, client, leaser := setupProcLeaser(t)
	var trips roundTrips
	client.AddHook(&trips)
	const consumers = 100
	together(consumers, func(i int) {
		if err := leaser.join(ctx, leaser.pid+"-c"+strconv.Itoa(i), "join.topic", time.Minute); err != nil {
			t.Error(err)
		}
	})
	listed, err := client.HGetAll(ctx, keys.Process(leaser.pid)).Result()
	if err != nil || len(listed) != consumers {
		t.Fatalf("%d consumers listed, %v; want %d", len(listed), err, consumers)
	}
	if got := trips.n.Load(); got > consumers/4 {
		t.Errorf("%d joins took %d round trips, want at most %d", consumers, got, consumers/4)
	}
	leaser.leave(ctx, leaser.pid+"-c0", "join.topic", true)
	if ok, _ := client.HExists(ctx, keys.Process(leaser.pid), leaser.pid+"-c0").Result(); ok {
		t.Error("a consumer that left is still listed")
	}
}
