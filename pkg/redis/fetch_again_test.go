package redis_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/redis/internal/keys"
	"goweb/pkg/redis/internal/scripts"
)

// fetchAgainSetup pushes n entries onto the test's own topic and returns a
// client, the topic's keys and fetch, which runs fetch.lua for consumer c1
// directly: up to count entries under the tokens from first on.
func fetchAgainSetup(t *testing.T, n int) (ctx context.Context, client goredis.UniversalClient, k keys.TopicKeys, fetch func(count, first int) []string) {
	t.Helper()
	client = newManager(t, srv.Addr).Client()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	k = keys.For(t.Name())
	ks := []string{k.Pending(), k.Claim("c1"), k.Inflight("c1"), k.Consumers(), k.Paused(), k.Rate(), k.Slots()}
	for i := range n {
		if err := client.LPush(ctx, k.Pending(), fmt.Sprintf(`{"id":"m%d","data":{}}`, i)).Err(); err != nil {
			t.Fatal(err)
		}
	}
	lease := time.Now().Add(time.Minute).UnixMilli()
	fetch = func(count, first int) []string {
		out, err := scripts.Fetch.Run(ctx, client, ks, count, lease, "c1", first, "0", 0, 0).StringSlice()
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	return ctx, client, k, fetch
}

// go-redis sends a command again when its reply timed out, and the fetch
// script may have run the first time: the same call (same tokens) must
// answer with the entries it took, not take more and write them over
// those in the inflight hash. That lost messages when Redis hung
// (test/fault TestRedisHang: lost=1 duplicated=1 once in CI).
func TestFetchSentAgainTakesNothingMore(t *testing.T) {
	t.Parallel()
	ctx, client, k, fetchN := fetchAgainSetup(t, 5)
	fetch := func(first int) []string { return fetchN(2, first) }
	once := fetch(10)
	again := fetch(10)
	if !slices.Equal(once, again) || len(once) != 4 {
		t.Fatalf("fetch sent again = %q, want the first answer %q (2 entries)", again, once)
	}
	if n, _ := client.LLen(ctx, k.Pending()).Result(); n != 3 {
		t.Errorf("pending after a fetch of 2 sent twice = %d, want 3", n)
	}
	held, _ := client.HGetAll(ctx, k.Inflight("c1")).Result()
	if len(held) != 2 || held["10"] != once[2] || held["11"] != once[3] {
		t.Errorf("in flight = %v, want tokens 10 and 11 holding %q and %q", held, once[2], once[3])
	}
	if next := fetch(12); len(next) != 4 || next[2] == once[2] || next[2] == once[3] {
		t.Errorf("the next fetch = %q, want two other entries", next)
	}
}

// A resent fetch answers with the entries under its tokens in order, each
// the entry of the token its place says: should a token in the middle be
// gone, the entries after it go back to the head of the queue rather than
// be answered under the wrong tokens.
func TestFetchSentAgainAfterAGapHandsTheRestBack(t *testing.T) {
	t.Parallel()
	ctx, client, k, fetchN := fetchAgainSetup(t, 3)
	fetch := func() []string { return fetchN(3, 10) }
	once := fetch()
	if len(once) != 5 {
		t.Fatalf("fetch = %q, want 3 entries", once)
	}
	if err := client.HDel(ctx, k.Inflight("c1"), "11").Err(); err != nil {
		t.Fatal(err)
	}
	if again := fetch(); !slices.Equal(again, once[:3]) {
		t.Fatalf("fetch sent again after token 11 went = %q, want only token 10's entry %q", again, once[2])
	}
	if back, _ := client.LRange(ctx, k.Pending(), 0, -1).Result(); !slices.Equal(back, once[4:]) {
		t.Errorf("pending = %q, want token 12's entry %q back", back, once[4])
	}
	if held, _ := client.HGetAll(ctx, k.Inflight("c1")).Result(); len(held) != 1 || held["10"] != once[2] {
		t.Errorf("in flight = %v, want token 10 alone", held)
	}
}
