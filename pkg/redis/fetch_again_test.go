package redis_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"goweb/pkg/redis/internal/keys"
	"goweb/pkg/redis/internal/scripts"
)

// go-redis sends a command again when its reply timed out, and the fetch
// script may have run the first time: the same call (same tokens) must
// answer with the entries it took, not take more and write them over
// those in the inflight hash. That lost messages when Redis hung
// (test/fault TestRedisHang: lost=1 duplicated=1 once in CI).
func TestFetchSentAgainTakesNothingMore(t *testing.T) {
	t.Parallel()
	m := newManager(t, srv.Addr)
	client := m.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	k := keys.For(t.Name())
	ks := []string{k.Pending(), k.Claim("c1"), k.Inflight("c1"), k.Consumers(), k.Paused(), k.Rate(), k.Slots()}
	for i := range 5 {
		if err := client.LPush(ctx, k.Pending(), fmt.Sprintf(`{"id":"m%d","data":{}}`, i)).Err(); err != nil {
			t.Fatal(err)
		}
	}
	lease := time.Now().Add(time.Minute).UnixMilli()
	fetch := func(first int) []string {
		out, err := scripts.Fetch.Run(ctx, client, ks, 2, lease, "c1", first, "0", 0, 0).StringSlice()
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	once := fetch(10)
	again := fetch(10)
	if !slices.Equal(once, again) || len(once) != 6 {
		t.Fatalf("fetch sent again = %q, want the first answer %q (2 entries)", again, once)
	}
	if n, _ := client.LLen(ctx, k.Pending()).Result(); n != 3 {
		t.Errorf("pending after a fetch of 2 sent twice = %d, want 3", n)
	}
	held, _ := client.HGetAll(ctx, k.Inflight("c1")).Result()
	if len(held) != 2 || held["10"] != once[3] || held["11"] != once[5] {
		t.Errorf("in flight = %v, want tokens 10 and 11 holding %q and %q", held, once[3], once[5])
	}
	if next := fetch(12); len(next) != 6 || next[3] == once[3] || next[3] == once[5] {
		t.Errorf("the next fetch = %q, want two other entries", next)
	}
}
