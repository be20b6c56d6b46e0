package redis

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"goweb/pkg/redis/internal/keys"
)

// Topics registered together are listed in few SADDs, every one of them;
// after close an add fails with ErrClosed.
func TestRegistrarListsConcurrentTopicsTogether(t *testing.T) {
	t.Parallel()
	c := privateClient(t)
	var trips roundTrips
	c.AddHook(&trips)
	r := newRegistrar(c)
	ctx := context.Background()
	const topics = 300
	together(topics, func(i int) {
		if err := r.add(ctx, "reg"+strconv.Itoa(i)); err != nil {
			t.Error(err)
		}
	})
	r.close()
	if n, err := c.SCard(ctx, keys.Topics).Result(); err != nil || n != topics {
		t.Fatalf("%d topics listed, %v; want %d", n, err, topics)
	}
	if got := trips.n.Load(); got > topics/10 {
		t.Errorf("%d topics took %d round trips, want at most %d", topics, got, topics/10)
	}
	if err := r.add(ctx, "late"); !errors.Is(err, ErrClosed) {
		t.Fatalf("add after close = %v, want ErrClosed", err)
	}
}
