package redis_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"goweb/pkg/redis"
	"goweb/pkg/redis/internal/keys"
)

func init() {
	behaviours["RequeueAllAgainstLiveConsumer"] = testRequeueAllAgainstLiveConsumer
	behaviours["RequeueKeepsEntries"] = testRequeueKeepsEntries
	behaviours["LargeNumbersKeepDigits"] = testLargeNumbersKeepDigits
	behaviours["SpacedIDIsKept"] = testSpacedIDIsKept
	behaviours["WrongTypeKeyBreaksOneTopic"] = testWrongTypeKeyBreaksOneTopic
}

// testRequeueAllAgainstLiveConsumer covers issue 10's requeue loop: with a
// consumer dead-lettering every message again at once, requeue-all used to
// requeue the fresh dead letters too (2 dead letters: "requeued 10"; 3,000:
// 27,000 dead_total and a timeout). It must requeue those that exist when
// it starts, once each.
//
// The suite runs it with 2 and 300 dead letters (the embedded server is too
// slow for more under -race); TestRequeueAllManyDeadLetters with 3,000.
func testRequeueAllAgainstLiveConsumer(t *testing.T, b *bundle) {
	requeueAllAgainstLiveConsumer(t, b, 2, 300)
}

func TestRequeueAllManyDeadLetters(t *testing.T) {
	t.Parallel()
	requeueAllAgainstLiveConsumer(t, setup(t), 3000)
}

func requeueAllAgainstLiveConsumer(t *testing.T, b *bundle, sizes ...int) {
	for _, n := range sizes {
		b := b.onTopic(fmt.Sprint(n))
		batch := make([]map[string]interface{}, n)
		for i := range batch {
			batch[i] = map[string]interface{}{"n": i}
		}
		if err := b.q.PublishBatch(b.ctx, b.topic, batch); err != nil {
			t.Fatal(err)
		}
		var handled atomic.Int64
		subscribe(t, b, func(context.Context, *redis.Message) error {
			handled.Add(1)
			return redis.SkipRetry(errors.New("poison"))
		}, redis.WithConcurrency(8))
		eventually(t, 30*time.Second, "all dead", func() bool { return stats(t, b).Dead == int64(n) })

		got, err := b.m.Inspector().RequeueAllDead(b.ctx, b.topic)
		if err != nil || got != int64(n) {
			t.Fatalf("RequeueAllDead with %d dead letters = %d, %v; want %d", n, got, err, n)
		}
		eventually(t, 30*time.Second, "requeued ones dead again", func() bool {
			s := stats(t, b)
			return s.Dead == int64(n) && s.Pending == 0 && s.InFlight == 0
		})
		if s := stats(t, b); s.DeadTotal != int64(2*n) || handled.Load() != int64(2*n) {
			t.Errorf("%d dead letters requeued once: dead_total %d, handled %d; want %d each", n, s.DeadTotal, handled.Load(), 2*n)
		}
	}
}

// testRequeueKeepsEntries covers issue 10's corruption: a dead letter of
// {"id":"pay-78"} came back as {"id":"pay-78","ts":0,"data":}. Requeued
// again and again, with a consumer dead-lettering each again, an invalid
// entry stays where it is byte for byte and is refused with the reason; a
// valid one goes round byte for byte.
func testRequeueKeepsEntries(t *testing.T, b *bundle) {
	const invalid = `{"id":"pay-78"}`
	const valid = `{"id": "py-1", "data": {"n": 18446744073709551615, "f": 1.50}, "extra": [1, 2]}`
	for _, e := range []string{invalid, valid} {
		if err := b.m.Client().LPush(b.ctx, keys.Pending(b.topic), e).Err(); err != nil {
			t.Fatal(err)
		}
	}
	subscribe(t, b, func(context.Context, *redis.Message) error { return redis.SkipRetry(errors.New("poison")) })
	entries := func() []string {
		eventually(t, 10*time.Second, "both dead", func() bool { s := stats(t, b); return s.Dead == 2 && s.Pending+s.InFlight == 0 })
		dls, err := b.m.Inspector().DeadLetters(b.ctx, b.topic, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, dl := range dls {
			out = append(out, dl.Entry)
		}
		slices.Sort(out)
		return out
	}
	want := []string{valid, invalid}
	slices.Sort(want)
	for round := range 3 {
		if got := entries(); !slices.Equal(got, want) {
			t.Fatalf("round %d: dead-letter entries %q, want %q byte for byte", round, got, want)
		}
		n, err := b.m.Inspector().RequeueAllDead(b.ctx, b.topic)
		var nr *redis.NotRequeuedError
		if n != 1 || !errors.As(err, &nr) || !errors.Is(err, redis.ErrNotRequeued) || nr.Count != 1 ||
			!strings.Contains(nr.Reason, `"data" is missing or null`) {
			t.Fatalf("round %d: RequeueAllDead = %d, %v; want 1 requeued and 1 refused for its missing data", round, n, err)
		}
	}
	if n, err := b.m.Inspector().RequeueDead(b.ctx, b.topic); n != 0 || !errors.Is(err, redis.ErrInvalidOption) {
		t.Errorf("RequeueDead without ids = %d, %v; want ErrInvalidOption", n, err)
	}
}

// testLargeNumbersKeepDigits covers issue 10's lost digits: the handler
// and the listings got 9007199254740992 for 9007199254740993.
func testLargeNumbersKeepDigits(t *testing.T, b *bundle) {
	values := []string{"9007199254740993", "18446744073709551615", "-9223372036854775808", "299.99", "1e-7"}
	for _, v := range values {
		if err := b.m.Client().LPush(b.ctx, keys.Pending(b.topic), `{"id":"n`+v+`","data":{"v":`+v+`}}`).Err(); err != nil {
			t.Fatal(err)
		}
	}
	listed, err := b.m.Inspector().Pending(b.ctx, b.topic, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(listed)
	for _, v := range values {
		if !strings.Contains(string(out), `"v":`+v+`}`) {
			t.Errorf("pending listing %s lacks %s", out, v)
		}
	}
	var c collector
	subscribe(t, b, c.handle)
	eventually(t, 5*time.Second, "all handled", func() bool { return c.len() == len(values) })
	for _, m := range c.all() {
		if v := m.Data["v"]; v != json.Number(strings.TrimPrefix(m.ID, "n")) {
			t.Errorf("message %s: Data[v] = %#v, want json.Number with every digit", m.ID, v)
		}
	}
}

// testSpacedIDIsKept covers issue 10's second id: Python's json.dumps
// writes {"id": "huge1", ...}, and the fetch script, looking for {"id":",
// stored it as {"id":"g…","id": "huge1",...}. An entry with an id, however
// spaced, ordered, escaped or cased ("ID", which the decoder reads as the
// id), is delivered (and dead-lettered) as it was.
func testSpacedIDIsKept(t *testing.T, b *bundle) {
	entries := []string{
		`{"id": "huge1", "data": {"a": 1}}`,
		"{ \"data\" : {}, \"id\" :\t\"late2\" }",
		`{"\u0069d":"escaped3","data":{}}`,
		`{"ID": "upper4", "data": {}}`, // the decoder reads any case
	}
	for _, e := range entries {
		if err := b.m.Client().LPush(b.ctx, keys.Pending(b.topic), e).Err(); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	var mu sync.Mutex
	subscribe(t, b, func(_ context.Context, m *redis.Message) error {
		mu.Lock()
		ids = append(ids, m.ID)
		mu.Unlock()
		return redis.SkipRetry(errors.New("keep it"))
	})
	eventually(t, 5*time.Second, "all dead", func() bool { return stats(t, b).Dead == int64(len(entries)) })
	dls, err := b.m.Inspector().DeadLetters(b.ctx, b.topic, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var stored []string
	for _, dl := range dls {
		stored = append(stored, dl.Entry)
	}
	slices.Sort(stored)
	slices.Sort(entries)
	if !slices.Equal(stored, entries) {
		t.Errorf("entries as taken %q, want them unchanged %q", stored, entries)
	}
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(ids)
	if strings.Join(ids, ",") != "escaped3,huge1,late2,upper4" {
		t.Errorf("ids %v, want the producers' huge1, late2, escaped3, upper4", ids)
	}
}

// testWrongTypeKeyBreaksOneTopic covers issue 10's SET mq:user.notification
// x, which made every topic unreadable: the broken topic is listed with the
// WRONGTYPE reason and the others keep their counts.
func testWrongTypeKeyBreaksOneTopic(t *testing.T, b *bundle) {
	broken := b.onTopic("broken")
	publishN(t, b, 3)
	if err := b.q.Publish(b.ctx, broken.topic, map[string]interface{}{}); err != nil {
		t.Fatal(err)
	}
	if err := b.m.Client().Set(b.ctx, keys.Pending(broken.topic), "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	insp := b.m.Inspector()
	all, err := insp.StatsOf(b.ctx, []string{b.topic, broken.topic})
	if err != nil || len(all) != 2 {
		t.Fatalf("StatsOf = %+v, %v; want both topics", all, err)
	}
	if all[0].Pending != 3 || all[0].Error != "" {
		t.Errorf("healthy topic %+v, want 3 pending and no error", all[0])
	}
	if !strings.Contains(all[1].Error, "WRONGTYPE") {
		t.Errorf("broken topic %+v, want the WRONGTYPE reason", all[1])
	}
	_, err = insp.Stats(b.ctx, broken.topic)
	if !errors.Is(err, redis.ErrWrongType) || errors.Is(err, redis.ErrRedisTimeout) {
		t.Errorf("Stats(broken) = %v, want ErrWrongType", err)
	}
}

// onTopic is b on a topic of its own.
func (b *bundle) onTopic(suffix string) *bundle {
	c := *b
	c.topic = b.topic + "." + suffix
	return &c
}
