package redis_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/jonboulle/clockwork"

	"goweb/pkg/redis"
	"goweb/pkg/redis/internal/keys"
)

// behaviours run against a real redis-server and against the embedded
// server (miniredis) the service falls back to, so the same code is proven
// on both.
var behaviours = map[string]func(t *testing.T, b *bundle){
	"PublishSubscribeInOrder":      testPublishSubscribeInOrder,
	"MinimalEnvelopeGetsStableID":  testMinimalEnvelopeGetsStableID,
	"PoisonEntriesAreDeadLettered": testPoisonEntriesAreDeadLettered,
	"RetryThenDeadLetter":          testRetryThenDeadLetter,
	"SkipRetry":                    testSkipRetry,
	"PanicIsRecovered":             testPanicIsRecovered,
	"DelayedMessageOnTime":         testDelayedMessageOnTime,
	"EarlierDelayedWakesSleeper":   testEarlierDelayedWakesSleeper,
	"GracefulShutdownHandsBack":    testGracefulShutdownHandsBack,
	"ShutdownTimeoutRequeues":      testShutdownTimeoutRequeues,
	"SubscribeBatch":               testSubscribeBatch,
	"PublishBatch":                 testPublishBatch,
	"IdempotentMiddleware":         testIdempotentMiddleware,
	"DedupKey":                     testDedupKey,
	"RequeueDeadLetters":           testRequeueDeadLetters,
	"HeadersAndIDs":                testHeadersAndIDs,
	"PeriodicOncePerTick":          testPeriodicOncePerTick,
	"InspectQueued":                testInspectQueued,
	"InspectInFlight":              testInspectInFlight,
}

func TestBehaviour(t *testing.T) {
	t.Parallel()
	runBehaviours(t, setup)
}

func TestBehaviourEmbedded(t *testing.T) {
	t.Parallel()
	addr := startMiniredis(t)
	runBehaviours(t, func(t *testing.T) *bundle { return setupAddr(t, addr) })
}

// runBehaviours runs every behaviour in parallel, each on a bundle of its
// own from setup.
func runBehaviours(t *testing.T, setup func(*testing.T) *bundle) {
	for name, fn := range behaviours {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, setup(t))
		})
	}
}

// startMiniredis starts an embedded server for the test and returns its
// address.
func startMiniredis(t *testing.T) string {
	t.Helper()
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(mr.Close)
	return mr.Addr()
}

// collector records what a handler saw.
type collector struct {
	mu   sync.Mutex
	msgs []*redis.Message
}

func (c *collector) handle(_ context.Context, m *redis.Message) error {
	c.mu.Lock()
	c.msgs = append(c.msgs, m)
	c.mu.Unlock()
	return nil
}

func (c *collector) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.msgs)
}

func (c *collector) all() []*redis.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*redis.Message(nil), c.msgs...)
}

func publishN(t *testing.T, b *bundle, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if err := b.q.Publish(b.ctx, b.topic, map[string]interface{}{"n": i}); err != nil {
			t.Fatal(err)
		}
	}
}

// num is how Message.Data holds the integer i: as its exact text.
func num(i int) json.Number { return json.Number(strconv.Itoa(i)) }

func stats(t *testing.T, b *bundle) *redis.TopicStats {
	t.Helper()
	s, err := b.m.Inspector().Stats(b.ctx, b.topic)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func fastRetries(n int) []redis.SubscribeOption {
	return []redis.SubscribeOption{redis.WithMaxRetries(n), redis.WithBackoff(redis.ConstantBackoff(10 * time.Millisecond))}
}

func testPublishSubscribeInOrder(t *testing.T, b *bundle) {
	publishN(t, b, 5)
	if n, _ := b.m.Client().LLen(b.ctx, keys.For(b.topic).Pending()).Result(); n != 5 {
		t.Fatalf("LLEN mq:%s = %d, want 5", b.topic, n)
	}
	var c collector
	subscribe(t, b, c.handle, redis.WithConcurrency(1))
	eventually(t, 5*time.Second, "5 messages", func() bool { return c.len() == 5 })
	for i, m := range c.all() {
		if m.Data["n"] != num(i) {
			t.Errorf("message %d has n=%v: not FIFO", i, m.Data["n"])
		}
		if m.ID == "" || m.Topic != b.topic || m.Attempt != 1 || time.Since(m.PublishedAt) > time.Minute {
			t.Errorf("message %d: %+v", i, m)
		}
	}
	eventually(t, 5*time.Second, "acks", func() bool { return stats(t, b).Processed == 5 })
	if s := stats(t, b); s.Pending != 0 || s.InFlight != 0 {
		t.Errorf("after consuming: %+v", s)
	}
}

func testMinimalEnvelopeGetsStableID(t *testing.T, b *bundle) {
	// What another language does: a plain LPUSH of {"data":{...}}.
	if err := b.m.Client().LPush(b.ctx, keys.For(b.topic).Pending(), `{"data":{"to":"a@b.c"}}`).Err(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var ids []string
	subscribe(t, b, func(_ context.Context, m *redis.Message) error {
		mu.Lock()
		defer mu.Unlock()
		ids = append(ids, m.ID)
		if len(ids) == 1 {
			return errors.New("first attempt fails")
		}
		return nil
	}, fastRetries(3)...)
	eventually(t, 5*time.Second, "a retry", func() bool { mu.Lock(); defer mu.Unlock(); return len(ids) == 2 })
	if ids[0] == "" || ids[0] != ids[1] {
		t.Fatalf("ids across attempts = %q, want one stable non-empty id", ids)
	}
}

func testPoisonEntriesAreDeadLettered(t *testing.T, b *bundle) {
	b = b.with(t, redis.WithMaxPayload(1000))
	poison := map[string]string{
		"not json":                  "not valid JSON",
		`{"data":[1,2]}`:            `"data" must be a JSON object, not array`,
		`{"id":5,"data":{}}`:        `field "id"`,
		`{}`:                        `"data" is missing`,
		`{"data":null}`:             `"data" is missing`,
		`{"data":{},"attempt":"x"}`: `field "attempt"`,
		`{"data":{"x":"` + strings.Repeat("y", 2000) + `"}}`: "exceeds the 1000-byte limit",
		`{"id":"pay-77","data":"oops"}`:                      `"data" must be a JSON object`,
	}
	for p := range poison {
		if err := b.m.Client().LPush(b.ctx, keys.For(b.topic).Pending(), p).Err(); err != nil {
			t.Fatal(err)
		}
	}
	publishN(t, b, 3)
	var c collector
	subscribe(t, b, c.handle)
	eventually(t, 5*time.Second, "good messages and dead letters", func() bool {
		return c.len() == 3 && stats(t, b).Dead == int64(len(poison))
	})
	dls, err := b.m.Inspector().DeadLetters(b.ctx, b.topic, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, dl := range dls {
		found := false
		for p, reason := range poison {
			// The fetch script splices an id into entries without one, so
			// compare the tail of the entry.
			if strings.HasSuffix(dl.Entry, strings.TrimPrefix(p, "{")) && strings.Contains(dl.Reason, reason) {
				found = true
			}
		}
		if !found {
			t.Errorf("unexpected dead letter: reason %q entry %.80q", dl.Reason, dl.Entry)
		}
		// The producer's id survives an entry that is not a valid envelope,
		// so the dead letter can be requeued by id (issue 10 item 8).
		if strings.Contains(dl.Entry, `"pay-77"`) && dl.ID != "pay-77" {
			t.Errorf("dead letter of %s has id %q, want pay-77", dl.Entry, dl.ID)
		}
	}
}

func testRetryThenDeadLetter(t *testing.T, b *bundle) {
	publishN(t, b, 1)
	var attempts []int
	var mu sync.Mutex
	subscribe(t, b, func(_ context.Context, m *redis.Message) error {
		mu.Lock()
		attempts = append(attempts, m.Attempt)
		mu.Unlock()
		if m.Attempt > 1 && m.LastError != fmt.Sprintf("boom %d", m.Attempt-1) {
			t.Errorf("attempt %d: LastError = %q", m.Attempt, m.LastError)
		}
		return fmt.Errorf("boom %d", m.Attempt)
	}, fastRetries(2)...)
	eventually(t, 5*time.Second, "dead letter", func() bool { return stats(t, b).Dead == 1 })
	mu.Lock()
	if fmt.Sprint(attempts) != "[1 2 3]" {
		t.Errorf("attempts = %v, want [1 2 3]", attempts)
	}
	mu.Unlock()
	dls, _ := b.m.Inspector().DeadLetters(b.ctx, b.topic, 0, 10)
	if len(dls) != 1 || dls[0].Reason != "boom 3" || dls[0].Attempt != 3 || time.Since(dls[0].FailedAt) > time.Minute || dls[0].ID == "" {
		t.Fatalf("dead letters = %+v", dls)
	}
	if s := stats(t, b); s.Failed != 3 || s.Retried != 2 || s.DeadTotal != 1 || s.InFlight != 0 || s.Delayed != 0 {
		t.Errorf("stats = %+v", s)
	}
}

func testSkipRetry(t *testing.T, b *bundle) {
	publishN(t, b, 1)
	var calls atomic.Int32
	subscribe(t, b, func(context.Context, *redis.Message) error {
		calls.Add(1)
		return redis.SkipRetry(errors.New("bad order"))
	})
	eventually(t, 5*time.Second, "dead letter", func() bool { return stats(t, b).Dead == 1 })
	if calls.Load() != 1 {
		t.Errorf("handler ran %d times, want 1", calls.Load())
	}
}

func testPanicIsRecovered(t *testing.T, b *bundle) {
	publishN(t, b, 2)
	var c collector
	subscribe(t, b, func(ctx context.Context, m *redis.Message) error {
		if m.Data["n"] == num(0) {
			_ = m.Data["missing"].(string) // the seed's type assertion on a malformed message
		}
		return c.handle(ctx, m)
	}, fastRetries(1)...)
	eventually(t, 5*time.Second, "panicking message dead-lettered", func() bool { return stats(t, b).Dead == 1 })
	eventually(t, 5*time.Second, "other message handled", func() bool { return c.len() == 1 })
	dls, _ := b.m.Inspector().DeadLetters(b.ctx, b.topic, 0, 1)
	if !strings.Contains(dls[0].Reason, "handler panicked") {
		t.Errorf("reason = %q", dls[0].Reason)
	}
}

func testDelayedMessageOnTime(t *testing.T, b *bundle) {
	const delay = 300 * time.Millisecond
	sent := time.Now()
	if err := b.q.PublishWithDelay(b.ctx, b.topic, map[string]interface{}{"x": 1}, delay); err != nil {
		t.Fatal(err)
	}
	if s := stats(t, b); s.Delayed != 1 || s.Pending != 0 {
		t.Fatalf("right after publish: %+v", s)
	}
	var c collector
	subscribe(t, b, c.handle)
	eventually(t, 5*time.Second, "delayed message", func() bool { return c.len() == 1 })
	got := time.Since(sent)
	if got < delay {
		t.Errorf("delivered after %v, before its delay %v", got, delay)
	}
	// Precision is measured by the benchmark (bench/); here only a gross
	// error, such as waiting for the 5s periodic check, fails.
	if got > delay+2*time.Second {
		t.Errorf("delivered after %v, far too late", got)
	}
}

func testEarlierDelayedWakesSleeper(t *testing.T, b *bundle) {
	var c collector
	subscribe(t, b, c.handle)
	// The scheduler learns the earliest due time (1 minute) and sleeps.
	if err := b.q.PublishWithDelay(b.ctx, b.topic, map[string]interface{}{"late": true}, time.Minute); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // let it fall asleep; correctness does not depend on it
	// Another process publishes an earlier one: pub/sub must wake it.
	other := b.another(t)
	sent := time.Now()
	if err := other.GetQueue().PublishWithDelay(b.ctx, b.topic, map[string]interface{}{"early": true}, 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "early message", func() bool { return c.len() == 1 })
	// Without a wake-up it would wait for the 5s periodic check.
	if took := time.Since(sent); took > 3*time.Second {
		t.Errorf("earlier message took %v: the scheduler was not woken", took)
	}
}

func testGracefulShutdownHandsBack(t *testing.T, b *bundle) {
	publishN(t, b, 10)
	started := make(chan struct{}, 10)
	release := make(chan struct{})
	var done atomic.Int32
	stop := subscribe(t, b, func(ctx context.Context, m *redis.Message) error {
		started <- struct{}{}
		<-release
		done.Add(1)
		return nil
	}, redis.WithConcurrency(2))
	<-started
	<-started
	go func() { time.Sleep(100 * time.Millisecond); close(release) }()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// The two running handlers finished; the rest is back, in order.
	if done.Load() != 2 {
		t.Errorf("%d handlers finished, want 2", done.Load())
	}
	s := stats(t, b)
	if s.Pending != 8 || s.InFlight != 0 || s.Processed != 2 || s.Consumers != 0 {
		t.Fatalf("after shutdown: %+v", s)
	}
	var c collector
	subscribe(t, b, c.handle, redis.WithConcurrency(1))
	eventually(t, 5*time.Second, "the rest", func() bool { return c.len() == 8 })
	for i, m := range c.all() {
		if m.Data["n"] != num(i+2) || m.Attempt != 1 {
			t.Errorf("message %d: n=%v attempt=%d, want n=%d attempt=1", i, m.Data["n"], m.Attempt, i+2)
		}
	}
}

func testShutdownTimeoutRequeues(t *testing.T, b *bundle) {
	publishN(t, b, 1)
	started := make(chan struct{})
	stop := subscribe(t, b, func(ctx context.Context, m *redis.Message) error {
		close(started)
		<-ctx.Done() // a slow handler that honours cancellation
		return ctx.Err()
	}, redis.WithShutdownTimeout(100*time.Millisecond))
	<-started
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if s := stats(t, b); s.Pending != 1 || s.InFlight != 0 || s.Delayed != 0 || s.Failed != 0 {
		t.Fatalf("after shutdown timeout: %+v, want the message pending without a failed attempt", s)
	}
}

func testSubscribeBatch(t *testing.T, b *bundle) {
	publishN(t, b, 25)
	var mu sync.Mutex
	var sizes []int
	total := 0
	ctx, cancel := context.WithCancel(b.ctx)
	errc := make(chan error, 1)
	go func() {
		errc <- b.q.SubscribeBatch(ctx, b.topic, func(_ context.Context, msgs []redis.Message) error {
			mu.Lock()
			defer mu.Unlock()
			sizes = append(sizes, len(msgs))
			total += len(msgs)
			return nil
		}, redis.WithBatchSize(10), redis.WithBatchWait(50*time.Millisecond))
	}()
	eventually(t, 5*time.Second, "25 messages in batches", func() bool { mu.Lock(); defer mu.Unlock(); return total == 25 })
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	for _, s := range sizes {
		if s > 10 {
			t.Errorf("batch of %d exceeds WithBatchSize(10)", s)
		}
	}
	if len(sizes) > 6 {
		t.Errorf("%d batches for 25 messages: batching is not happening (%v)", len(sizes), sizes)
	}
	if s := stats(t, b); s.Processed != 25 {
		t.Errorf("processed = %d", s.Processed)
	}
}

func testPublishBatch(t *testing.T, b *bundle) {
	batch := make([]map[string]interface{}, 100)
	for i := range batch {
		batch[i] = map[string]interface{}{"n": i}
	}
	ids, err := b.q.EnqueueBatch(b.ctx, b.topic, batch)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 100 {
		t.Fatalf("%d ids", len(ids))
	}
	if n := stats(t, b).Pending; n != 100 {
		t.Fatalf("pending = %d", n)
	}
	var c collector
	subscribe(t, b, c.handle, redis.WithConcurrency(1))
	eventually(t, 5*time.Second, "batch consumed", func() bool { return c.len() == 100 })
	for i, m := range c.all() {
		if m.ID != ids[i] || m.Data["n"] != num(i) {
			t.Fatalf("message %d: id %s n %v, want %s %d", i, m.ID, m.Data["n"], ids[i], i)
		}
	}
	// A delayed batch.
	if err := b.q.PublishBatch(b.ctx, b.topic, batch[:3], redis.WithDelay(100*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "delayed batch", func() bool { return c.len() == 103 })
}

func testIdempotentMiddleware(t *testing.T, b *bundle) {
	for i := 0; i < 3; i++ {
		if err := b.q.Publish(b.ctx, b.topic, map[string]interface{}{"i": i}, redis.WithID("order-1")); err != nil {
			t.Fatal(err)
		}
	}
	var runs atomic.Int32
	subscribe(t, b, func(context.Context, *redis.Message) error {
		runs.Add(1)
		return nil
	}, redis.WithConcurrency(1), redis.WithMiddleware(redis.Idempotent(b.q, time.Hour)))
	eventually(t, 5*time.Second, "all three deliveries settled", func() bool { return stats(t, b).Processed == 3 })
	if runs.Load() != 1 {
		t.Fatalf("handler ran %d times for one id, want 1", runs.Load())
	}
}

func testDedupKey(t *testing.T, b *bundle) {
	b = b.with(t)
	clk := clockwork.NewFakeClockAt(time.Now())
	redis.SetClock(b.m, clk) // keys expire when the test moves the clock
	opt := redis.WithDedupKey("invoice-7", time.Hour)
	if err := b.q.Publish(b.ctx, b.topic, map[string]interface{}{}, opt); err != nil {
		t.Fatal(err)
	}
	if err := b.q.Publish(b.ctx, b.topic, map[string]interface{}{}, opt); !errors.Is(err, redis.ErrDuplicate) {
		t.Fatalf("second publish: %v, want ErrDuplicate", err)
	}
	if err := b.q.PublishWithDelay(b.ctx, b.topic, map[string]interface{}{}, time.Hour, redis.WithDedupKey("invoice-8", time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	clk.Advance(5 * time.Millisecond) // the 1ms key expires
	if err := b.q.Publish(b.ctx, b.topic, map[string]interface{}{}, redis.WithDedupKey("invoice-8", time.Hour)); err != nil {
		t.Fatalf("publish after the key expired: %v", err)
	}
	if s := stats(t, b); s.Pending != 2 || s.Delayed != 1 {
		t.Fatalf("stats %+v, want 2 pending and 1 delayed", s)
	}
}

func testRequeueDeadLetters(t *testing.T, b *bundle) {
	publishN(t, b, 2)
	var fail atomic.Bool
	fail.Store(true)
	var c collector
	stop := subscribe(t, b, func(ctx context.Context, m *redis.Message) error {
		if fail.Load() {
			return errors.New("down")
		}
		return c.handle(ctx, m)
	}, fastRetries(0)...)
	eventually(t, 5*time.Second, "two dead letters", func() bool { return stats(t, b).Dead == 2 })
	_ = stop()
	dls, _ := b.m.Inspector().DeadLetters(b.ctx, b.topic, 0, 10)
	fail.Store(false)
	n, err := b.m.Inspector().RequeueDead(b.ctx, b.topic, dls[0].ID)
	if err != nil || n != 1 {
		t.Fatalf("RequeueDead(one) = %d, %v", n, err)
	}
	subscribe(t, b, func(ctx context.Context, m *redis.Message) error { return c.handle(ctx, m) })
	eventually(t, 5*time.Second, "requeued message", func() bool { return c.len() == 1 })
	if m := c.all()[0]; m.ID != dls[0].ID || m.Attempt != 1 {
		t.Errorf("requeued message %s attempt %d, want %s attempt 1", m.ID, m.Attempt, dls[0].ID)
	}
	if n, err := b.m.Inspector().PurgeDead(b.ctx, b.topic); err != nil || n != 1 {
		t.Errorf("PurgeDead = %d, %v", n, err)
	}
}

func testHeadersAndIDs(t *testing.T, b *bundle) {
	id, err := b.q.Enqueue(b.ctx, b.topic, map[string]interface{}{"big": 12345678901234567},
		redis.WithHeaders(map[string]string{"trace": "abc"}))
	if err != nil || id == "" {
		t.Fatalf("publish: id %q, %v", id, err)
	}
	var c collector
	subscribe(t, b, c.handle)
	eventually(t, 5*time.Second, "message", func() bool { return c.len() == 1 })
	m := c.all()[0]
	if m.ID != id || m.Headers["trace"] != "abc" {
		t.Errorf("got id %q headers %v", m.ID, m.Headers)
	}
	topics, err := b.m.Inspector().Topics(b.ctx)
	if err != nil || !contains(topics, b.topic) {
		t.Errorf("topic registry %v lacks %s (%v)", topics, b.topic, err)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
