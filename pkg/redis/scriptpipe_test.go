package redis

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/redis/internal/keys"
	"goweb/pkg/redis/internal/scripts"
)

// roundTrips counts what a client sends: single commands and pipelines.
type roundTrips struct{ n atomic.Int64 }

func (r *roundTrips) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (r *roundTrips) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		if cmd.Name() != "hello" && cmd.Name() != "client" {
			r.n.Add(1)
		}
		return next(ctx, cmd)
	}
}

func (r *roundTrips) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		r.n.Add(1)
		return next(ctx, cmds)
	}
}

// together runs f(0) … f(n-1) in n goroutines released at once, so that
// their calls arrive together, and waits for them all.
func together(n int, f func(i int)) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			f(i)
		}()
	}
	close(start)
	wg.Wait()
}

// Concurrent script calls share round trips, and each caller gets its own
// reply; after close a call fails with ErrClosed. A Redis that does not
// have the script yet (NOSCRIPT in the pipeline) is no error.
func TestScriptPipeCoalescesConcurrentCalls(t *testing.T) {
	t.Parallel()
	c := privateClient(t)
	ctx := context.Background()
	const calls = 200
	k := make([]keys.TopicKeys, calls)
	for i := range k {
		k[i] = keys.For("pipe" + strconv.Itoa(i))
		// Two entries in flight; each call settles one or both.
		if err := c.HSet(ctx, k[i].Inflight("c"), "1", "a", "2", "b").Err(); err != nil {
			t.Fatal(err)
		}
	}
	var trips roundTrips
	c.AddHook(&trips)
	p := newScriptPipe(c)
	together(calls, func(i int) {
		args := []interface{}{"0", "1"}
		if i%2 == 1 {
			args = append(args, "2")
		}
		n, err := p.run(ctx, scripts.Ack, []string{k[i].Inflight("c"), k[i].Stats(), k[i].History(0)}, args...).Int()
		if err != nil || n != len(args)-1 {
			t.Errorf("call %d: settled %d, %v; want %d", i, n, err, len(args)-1)
		}
	})
	p.close()
	if got := trips.n.Load(); got > calls/4 {
		t.Errorf("%d calls took %d round trips, want at most %d", calls, got, calls/4)
	}
	for i := range calls {
		processed, err := c.HGet(ctx, k[i].Stats(), "processed").Int()
		if want := 1 + i%2; err != nil || processed != want {
			t.Fatalf("topic %d: processed %d, %v; want %d", i, processed, err, want)
		}
	}
	if err := p.run(ctx, scripts.Ack, []string{k[0].Inflight("c"), k[0].Stats(), k[0].History(0)}, "0", "1").Err(); !errors.Is(err, ErrClosed) {
		t.Fatalf("call after close = %v, want ErrClosed", err)
	}
}
