package redis

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/jonboulle/clockwork"
	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/redis/internal/keys"
	"goweb/pkg/redis/internal/scripts"
)

// maxFetch bounds one fetch script call, so a call never holds Redis long.
const maxFetch = 500

// unsureFor is how long a failed fetch is suspected of running late in
// Redis: longer than go-redis' retries of a command that timed out.
const unsureFor = 30 * time.Second

// fetcher takes entries from the topic into jobs, as many as the window
// has free slots for: in batches with fetch.lua while there is a backlog,
// with a blocking move when the queue is drained. On the shared path a
// drained fetcher parks with the sweeper and its goroutine ends; the
// sweeper starts it again (runs) when the topic may have an entry.
type fetcher struct {
	block        *blocker        // one connection for BLMOVE; closing it stops a blocked wait
	clock        clockwork.Clock // waits, and the expiry of unsure tokens
	rclock       *redisClock     // lease expiries
	keys         keys.TopicKeys
	cid          string
	lease        time.Duration
	blockTimeout time.Duration
	win          *window
	jobs         *lazyChan[*delivery]
	errs         *throttle
	gate         *gate
	sharing      *sharing
	full         *fullWait // logs a full Redis refusing BLMOVE once
	crew         *crew[*delivery]

	// nextToken is the next in-flight token to hand out; unsure holds the
	// token ranges of fetches that failed recently (see fetch.lua).
	nextToken int64
	unsure    []tokenRange
	// scriptKeys are fetch.lua's KEYS, built once by start.
	scriptKeys []string

	ctx    context.Context // the consumer's, set by start
	runs   onDemand        // runs run
	unpark func()          // forgets the sweeper wait of a parked fetcher
}

// tokenRange is the tokens [from, to) reserved by one fetch call, kept
// after the call failed until expires, in case it ran in Redis anyway.
type tokenRange struct {
	from, to int64
	expires  time.Time
}

// start fetches until ctx ends; stop must be called then.
func (f *fetcher) start(ctx context.Context) {
	f.scriptKeys = append([]string{f.keys.Pending(), f.keys.Claim(f.cid), f.keys.Inflight(f.cid), f.keys.Consumers()}, f.gate.fetchKeys()...)
	f.ctx = ctx
	f.unpark = func() {}
	f.runs.pass = func() { f.run(f.ctx) }
	f.runs.kick()
}

// stop waits for run to return, after ctx ended, and closes jobs.
func (f *fetcher) stop() {
	f.runs.close()
	f.unpark()
	close(f.jobs.get())
}

// run fetches until ctx ends or, on the shared path, until the queue is
// drained: then it parks with the sweeper, which calls it again.
func (f *fetcher) run(ctx context.Context) {
	drained := false
	for {
		// With a backlog, fetch in batches of at least a quarter of the
		// window: fewer, larger round trips, while the prefetched rest
		// keeps the workers busy. When idle, one free slot is enough.
		least := max(1, f.win.adjust()/4)
		if drained {
			least = 1
		}
		n := f.win.acquire(ctx, least, maxFetch)
		if n == 0 {
			return
		}
		if drained && f.sharing.active() {
			// The shared path's sweeper waits for every idle topic: the
			// blocking connection is not needed any more, nor this
			// goroutine.
			f.win.release(n)
			f.block.close()
			f.unpark = f.sharing.sweeper.await(f.keys.Topic(), f.runs.kick)
			return
		}
		if drained && !f.waitForEntry(ctx) {
			f.win.release(n)
			if ctx.Err() != nil {
				return
			}
			continue
		}
		// The window may have grown while acquire or the wait blocked (the
		// first handler runs tell the handlers' speed): this fetch takes
		// what it has room for now, not the next one.
		n += f.win.more(maxFetch - n)
		got, status, wait, err := f.fetch(ctx, n)
		f.win.release(n - got)
		if err != nil {
			// Fetch again rather than block: an entry a blocking move just
			// put on the claim list is only taken by a fetch.
			drained = false
			if ctx.Err() != nil {
				return
			}
			f.errs.log("fetch failed", err, "topic", f.keys.Topic())
			sleepCtx(ctx, f.clock, time.Second)
			continue
		}
		if status != "" { // taken nothing: paused, or no token or slot
			f.gate.hold(ctx, status, wait)
			drained = false
			continue
		}
		drained = got < n
		if drained && got > 0 && f.sharing.active() && f.gate.limited() {
			// Fewer than asked because of a rate or concurrency limit, not
			// necessarily the last of the queue: a blocking move would
			// return at once if entries remain, the sweeper only at its
			// next look. Fetch again; wait only once a fetch finds
			// nothing. Without limits, fewer than asked is the end of the
			// queue: an entry pushed since wakes the sweeper's wait (poke,
			// or the push announcement, heard even before the wait).
			drained = false
		}
	}
}

// waitForEntry blocks until an entry is pending and moves it to this
// consumer's claim list, where the next fetch picks it up. It returns false
// on timeout. On error it returns true after a pause, because the move may
// have happened with its reply lost: only a fetch would take that entry.
func (f *fetcher) waitForEntry(ctx context.Context) bool {
	block := f.block.get()
	if block == nil { // closed: the consumer is stopping
		<-ctx.Done()
		return false
	}
	err := block.BLMove(ctx, f.keys.Pending(), f.keys.Claim(f.cid), "RIGHT", "LEFT", f.blockTimeout).Err()
	switch {
	case err == nil:
		f.full.accepted()
		return true
	case errors.Is(err, goredis.Nil):
		f.full.accepted()
		return false
	case ctx.Err() != nil:
		return false
	case errors.Is(fullError(err), ErrRedisFull):
		f.full.refused(err)
		sleepCtx(ctx, f.clock, time.Second)
		return ctx.Err() == nil
	default:
		f.errs.log("waiting for messages failed", err, "topic", f.keys.Topic())
		sleepCtx(ctx, f.clock, time.Second)
		return ctx.Err() == nil
	}
}

// fetch takes up to n entries. Tokens are this consumer's own, never
// reused while it lives, so an ack can never settle another fetch's entry,
// even after a failover rolled Redis back. When flow control let it take
// nothing, status says why and wait is what fetch.lua returned with it.
func (f *fetcher) fetch(ctx context.Context, n int) (got int, status string, wait int64, err error) {
	from := f.nextToken
	f.nextToken += int64(n)
	now := f.clock.Now()
	flow := f.gate.fetchArgs()
	args := make([]interface{}, 0, 4+len(flow)+2*len(f.unsure))
	args = append(args, n, f.rclock.Now().Add(f.lease).UnixMilli(), f.cid, from)
	args = append(args, flow...)
	f.unsure = slices.DeleteFunc(f.unsure, func(r tokenRange) bool { return now.After(r.expires) })
	for _, r := range f.unsure {
		args = append(args, r.from, r.to)
	}
	res, err := f.sharing.run(ctx, scripts.Fetch, f.scriptKeys, args...).StringSlice()
	if err != nil {
		f.unsure = append(f.unsure, tokenRange{from: from, to: from + int64(n), expires: now.Add(unsureFor)})
		return 0, "", 0, err
	}
	// The i-th entry is under token from+i. One allocation for the batch:
	// the deliveries are small and settled at about the same time.
	batch := make([]delivery, len(res)-2)
	if len(batch) > 0 {
		jobs := f.jobs.get()
		for i, entry := range res[2:] {
			batch[i] = delivery{token: from + int64(i), entry: entry}
			jobs <- &batch[i]
		}
		f.crew.call()
	}
	wait, _ = strconv.ParseInt(res[1], 10, 64)
	return len(batch), res[0], wait, nil
}
