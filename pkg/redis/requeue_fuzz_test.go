package redis_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/redis"
	"goweb/pkg/redis/internal/envelope/envelopetest"
	"goweb/pkg/redis/internal/keys"
)

// requeueRounds is how many times FuzzRequeueRounds requeues each entry.
const requeueRounds = 4

// FuzzRequeueRounds drives any entry through the whole dead-letter path on
// a real Redis, several times over: pushed onto the topic's list, taken by
// a live consumer (BLMOVE and fetch.lua), dead-lettered by its handler
// (SkipRetry) or, when it does not decode, by the runner (dead.lua); then
// requeued (RequeueDead by id, or RequeueAllDead, revive.lua) and
// dead-lettered again. Each round either refuses the entry with a reason
// and leaves the dead letter byte for byte as it was, or delivers the
// entry as the previous round dead-lettered it: byte for byte, except that
// the first requeue drops "attempt" and "error" (docs/wire-format.md). An
// entry the handler saw is never refused; one it did not see always is.
//
// One consumer serves every input: a Subscribe per input would cost more
// than the rounds themselves.
func FuzzRequeueRounds(f *testing.F) {
	for _, s := range envelopetest.RequeueSeeds {
		f.Add([]byte(s))
	}
	m := newManager(f, srv.Addr)
	r := &deadRig{client: m.Client(), in: m.Inspector(), topic: "fuzz.requeue.rounds",
		handled: make(chan *redis.Message, 8), settled: make(chan redis.Event, 8)}
	client, in, topic := r.client, r.in, r.topic
	subscribeOn(f, context.Background(), m.GetQueue(), topic,
		func(_ context.Context, msg *redis.Message) error {
			send(r.handled, msg)
			return redis.SkipRetry(errors.New("fuzz: dead again"))
		},
		redis.WithConcurrency(1), redis.WithPrefetch(0),
		redis.WithObserver(func(ev redis.Event) { send(r.settled, ev) }))

	f.Fuzz(func(t *testing.T, entry []byte) {
		if len(entry) == 0 {
			return // Redis keeps no empty entry apart from a missing one
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		r.drain()
		if err := client.Del(ctx, keys.Pending(topic), keys.Dead(topic)).Err(); err != nil {
			t.Fatal(err)
		}
		if err := client.LPush(ctx, keys.Pending(topic), entry).Err(); err != nil {
			t.Fatal(err)
		}
		rec, first := r.awaitDead(t)
		if rec.Entry != string(entry) && !spliced(entry, rec.Entry) && (!isObject(entry) || topLevel(t, entry, "id") != 0 || topLevel(t, []byte(rec.Entry), "id") != 1) {
			t.Fatalf("entry %q dead-lettered as %q: want it as pushed, or (a JSON object without an id) with one id spliced in", entry, rec.Entry)
		}
		prev := rec
		for round := 1; round <= requeueRounds; round++ {
			before := r.deadSet(t)
			var n int64
			var err error
			if prev.ID != "" && round%2 == 1 {
				n, err = in.RequeueDead(ctx, topic, prev.ID)
			} else {
				n, err = in.RequeueAllDead(ctx, topic)
			}
			if first == nil { // the handler never saw it: it does not decode
				var nr *redis.NotRequeuedError
				if n != 0 || !errors.As(err, &nr) || nr.Count != 1 || nr.ID != prev.ID || nr.Reason == "" {
					t.Fatalf("round %d: undecodable %q requeued: %d, %v; want it refused with a reason", round, prev.Entry, n, err)
				}
				if after := r.deadSet(t); !reflect.DeepEqual(after, before) {
					t.Fatalf("round %d: refused, but the dead set went from %v to %v", round, before, after)
				}
				if l, err := client.LLen(ctx, keys.Pending(topic)).Result(); err != nil || l != 0 {
					t.Fatalf("round %d: refused, but %d pending (%v)", round, l, err)
				}
				continue
			}
			if n != 1 || err != nil {
				t.Fatalf("round %d: requeue of %q = %d, %v; want it requeued, as its first delivery decoded", round, prev.Entry, n, err)
			}
			rec, msg := r.awaitDead(t)
			if msg == nil {
				t.Fatalf("round %d: requeued %q was dead-lettered undecoded as %q: %s", round, prev.Entry, rec.Entry, rec.Reason)
			}
			checkRequeued(t, round, []byte(prev.Entry), []byte(rec.Entry))
			if msg.ID != first.ID || rec.ID != first.ID || !msg.PublishedAt.Equal(first.PublishedAt) ||
				!reflect.DeepEqual(msg.Data, first.Data) || len(msg.Headers) != len(first.Headers) ||
				(len(msg.Headers) > 0 && !reflect.DeepEqual(msg.Headers, first.Headers)) {
				t.Fatalf("round %d: handler got %+v, first %+v: the message changed", round, msg, first)
			}
			if msg.Attempt != 1 || msg.LastError != "" {
				t.Fatalf("round %d: requeued message has attempt %d, last error %q; want a fresh start", round, msg.Attempt, msg.LastError)
			}
			prev = rec
		}
	})
}

// checkRequeued compares the entry a round dead-lettered with the one the
// round before dead-lettered: the same bytes, but that the first requeue
// drops any "attempt" and "error" members (in any case, as the decoder
// reads them) and touches nothing when there are none.
func checkRequeued(t *testing.T, round int, prev, got []byte) {
	t.Helper()
	if bytes.Equal(got, prev) {
		return
	}
	dropped := topLevel(t, prev, "attempt")+topLevel(t, prev, "error") > 0
	if round > 1 || !dropped {
		t.Fatalf("round %d: requeued %q came back as %q; want it byte for byte", round, prev, got)
	}
	if topLevel(t, got, "attempt")+topLevel(t, got, "error") != 0 {
		t.Fatalf("round %d: requeued %q came back as %q, still with an attempt or error", round, prev, got)
	}
}

// deadRig is one consumer that dead-letters everything, and what it
// tells of each dead letter.
type deadRig struct {
	client  goredis.UniversalClient
	in      *redis.Inspector
	topic   string
	handled chan *redis.Message // what the handler got
	settled chan redis.Event    // the observer's events
}

// awaitDead waits until the consumer has dead-lettered one entry and
// returns its record, with the message the handler got (nil when the
// entry did not decode and the runner dead-lettered it).
func (r *deadRig) awaitDead(t *testing.T) (redis.DeadLetter, *redis.Message) {
	t.Helper()
	select {
	case ev := <-r.settled:
		if ev.Outcome != redis.OutcomeDead {
			t.Fatalf("settled as %s (%v), want dead", ev.Outcome, ev.Err)
		}
	case <-time.After(20 * time.Second): // a hang, not a speed claim
		t.Fatal("timed out waiting for a dead letter")
	}
	var msg *redis.Message
	select {
	case msg = <-r.handled: // sent before the handler returned, so before it settled
	default:
	}
	dls, err := r.in.DeadLetters(context.Background(), r.topic, 0, 10)
	if err != nil || len(dls) != 1 {
		t.Fatalf("dead letters %+v, %v; want one", dls, err)
	}
	return dls[0], msg
}

// deadSet is the topic's dead set, members and scores, as stored.
func (r *deadRig) deadSet(t *testing.T) []goredis.Z {
	t.Helper()
	set, err := r.client.ZRangeWithScores(context.Background(), keys.Dead(r.topic), 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// drain empties the channels of what an input that failed left behind.
func (r *deadRig) drain() {
	for {
		select {
		case <-r.handled:
		case <-r.settled:
		default:
			return
		}
	}
}

// send sends v unless ch is full: what the consumer tells must never block
// it, or it could not stop. An input that fills ch has failed already.
func send[T any](ch chan<- T, v T) {
	select {
	case ch <- v:
	default:
	}
}

// spliced tells whether got is entry with an id member put in front of its
// first member and nothing else changed: what fetch.lua does to an entry
// that Redis's JSON parser reads as an object without an id. That parser
// takes a few texts Go's refuses (numbers like 000000), so an entry Go
// would call no JSON object may get one too.
func spliced(entry []byte, got string) bool {
	if len(entry) < 2 || entry[0] != '{' || !strings.HasPrefix(got, `{"id":"`) {
		return false
	}
	rest, ok := strings.CutSuffix(got, string(entry[1:]))
	return ok && strings.HasSuffix(rest, `",`) && !strings.ContainsAny(rest[len(`{"id":"`):len(rest)-2], `"\`)
}
