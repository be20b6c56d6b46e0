package redis

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	json "github.com/goccy/go-json"
	"github.com/jonboulle/clockwork"
	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/logger"
	"goweb/pkg/redis/internal/envelope"
	"goweb/pkg/redis/internal/keys"
	"goweb/pkg/redis/internal/scripts"
)

// settler records the outcomes the runner produces: successes are
// acknowledged in batches by its own goroutine (run, in settler_ack.go),
// failures are retried or dead-lettered at once, and deliveries not
// handled at shutdown are handed back to the head of the queue.
type settler struct {
	client goredis.UniversalClient
	script runScript       // the settling scripts (sharing.run)
	clock  clockwork.Clock // waits
	rclock *redisClock     // due times and dead-letter times
	log    logger.Logger
	keys   keys.TopicKeys
	cid    string
	win    *window
	wake   *wakeHub
	gate   *gate
	errs   *throttle // Redis errors
	dead   *throttle // dead-letter reasons

	maxRetries int
	backoff    Backoff
	maxDead    int
	observer   func(Event)

	// handlers is the handlers' context, set before any handler runs; once
	// cancelled, a failure is the shutdown's doing, not the handler's.
	handlers context.Context

	acks     *lazyChan[int64] // tokens of successes, for run
	stopping chan struct{}    // closed when no more acks will be sent
	// runs starts run: with the consumer on the per-topic path; on the
	// shared path with the first ack, and again after it left when idle.
	runs *crew[int64]
	done sync.WaitGroup // run

	mu       sync.Mutex
	handBack []int64 // tokens to return to the head of the queue
}

func newSettler(q *RedisQueue, k keys.TopicKeys, cid string, win *window, o *subscribeOptions, outstanding int, errs *throttle) *settler {
	s := &settler{
		client: q.client, script: q.sharing.run, clock: q.clock, rclock: q.rclock, log: q.log, keys: k, cid: cid, win: win, wake: q.wake, errs: errs,
		dead:       newThrottle(q.log, q.clock, time.Second),
		maxRetries: o.maxRetries, backoff: o.backoff, maxDead: o.maxDead, observer: o.observer,
		handlers: context.Background(),
		acks:     newLazyChan[int64](outstanding),
		stopping: make(chan struct{}),
	}
	s.runs = &crew[int64]{size: 1, ch: s.acks, lazy: q.sharing.active, clock: q.clock,
		spawn: func() { s.done.Add(1); go s.run() }}
	return s
}

func (s *settler) topic() string { return s.keys.Topic() }

// settle records the outcome of a handled delivery.
func (s *settler) settle(d *delivery, msg *Message, err error, dur time.Duration) {
	s.win.observe(dur)
	var later *RetryAfterError
	if err != nil { // a success allocates nothing here
		later = retryAfter(err)
	}
	ev := Event{Topic: s.topic(), ID: msg.ID, Attempt: msg.Attempt, Duration: dur, Err: err}
	switch {
	case err == nil:
		s.ack(d.token)
		ev.Outcome = OutcomeProcessed
		s.win.release(1)
	case s.handlers.Err() != nil:
		// Cancelled by shutdown, not the handler's fault: no attempt counted.
		s.giveBack(d)
		return
	case later != nil && later.NotAnAttempt:
		if !s.retry(d, msg, msg.Attempt-1, msg.LastError, later.Delay, false) {
			return // dead-lettered instead: bury released its slot
		}
		ev.Outcome = OutcomeDeferred
		s.win.release(1)
	case errors.Is(err, ErrSkipRetry) || msg.Attempt > s.maxRetries:
		s.buryFailed(d, msg, err)
		return
	default:
		s.log.Warn("handler failed, will retry", "topic", s.topic(), "message_id", msg.ID, "attempt", msg.Attempt, "error", err)
		delay := s.backoff(msg.Attempt)
		if later != nil {
			delay = later.Delay
		}
		if !s.retry(d, msg, msg.Attempt, err.Error(), delay, true) {
			return // dead-lettered instead: bury released its slot
		}
		ev.Outcome = OutcomeRetried
		s.win.release(1)
	}
	s.observe(ev)
}

// retryAfter is err's *RetryAfterError, or nil. Its own function because
// errors.As makes its target escape: settle pays for that on failures only.
func retryAfter(err error) *RetryAfterError {
	var later *RetryAfterError
	if errors.As(err, &later) {
		return later
	}
	return nil
}

func (s *settler) observe(ev Event) {
	if s.observer != nil {
		s.observer(ev)
	}
}

// giveBack queues d to be handed back at shutdown.
func (s *settler) giveBack(d *delivery) {
	s.mu.Lock()
	s.handBack = append(s.handBack, d.token)
	s.mu.Unlock()
	s.win.release(1)
	s.observe(Event{Topic: s.topic(), Outcome: OutcomeRequeued})
	s.gate.handedBack()
}

// retry schedules d again after delay, with attempt and errText written
// into its entry; counted tells whether the stats count a failed attempt.
// It dead-letters d instead (returning false) when its entry cannot be
// rewritten. A slot released twice would let the window hold one more
// token than it has room for.
func (s *settler) retry(d *delivery, msg *Message, attempt int, errText string, delay time.Duration, counted bool) bool {
	entry, err := envelope.Retried([]byte(d.entry), attempt, errText)
	if err != nil { // cannot happen for an entry that decoded; never lose it
		s.buryFailed(d, msg, err)
		return false
	}
	due := s.rclock.Now().Add(max(delay, 0)).UnixMilli()
	count := "0"
	if counted {
		count = "1"
	}
	hist, minute := historyAt(s.keys, s.clock.Now())
	s.persist("retry", func(ctx context.Context) error {
		return s.script(ctx, scripts.Retry, []string{s.keys.Inflight(s.cid), s.keys.Delayed(), s.keys.Stats(), hist}, d.token, due, entry, count, minute).Err()
	})
	s.wake.notify(s.topic())
	s.gate.settled()
	return true
}

// buryFailed dead-letters a message whose handler failed for the last time
// (or asked to skip retries); it counts as a failed attempt.
func (s *settler) buryFailed(d *delivery, msg *Message, cause error) {
	if s.bury(d, msg.ID, msg.Attempt, cause, true) {
		s.dead.log("message dead-lettered", cause, "topic", s.topic(), "message_id", msg.ID, "attempt", msg.Attempt)
	}
}

// buryUndecodable dead-letters an entry that is not a valid envelope. It
// keeps the producer's id when one can be read, so the dead letter can be
// requeued by id; it is not a failed attempt.
func (s *settler) buryUndecodable(d *delivery, cause error) {
	id := readableID(d.entry)
	s.dead.log("dead-lettering invalid entry", cause, "topic", s.topic(), "message_id", id,
		"entry", capLogged(d.entry), "entry_bytes", len(d.entry))
	s.bury(d, id, 0, cause, false)
}

// bury dead-letters d and reports whether it did. Until the dead letter is
// written the entry stays in flight (dead.lua), so one that cannot be
// written (a dead key of the wrong type) is tried again until it can, or
// handed back with the rest at shutdown.
func (s *settler) bury(d *delivery, id string, attempt int, cause error, handlerFailed bool) bool {
	now := s.rclock.Now().UnixMilli()
	rec := envelope.EncodeDead(&envelope.DeadRecord{ID: id, Reason: cause.Error(), Attempt: attempt, FailedAt: now, Entry: d.entry})
	failed := "0"
	if handlerFailed {
		failed = "1"
	}
	var moved int
	hist, minute := historyAt(s.keys, s.clock.Now())
	written := s.persist("dead-letter", func(ctx context.Context) (err error) {
		moved, err = s.script(ctx, scripts.Dead, []string{s.keys.Inflight(s.cid), s.keys.Dead(), s.keys.Stats(), hist}, d.token, now, rec, s.maxDead, failed, minute).Int()
		return err
	})
	s.gate.settled()
	s.win.release(1)
	if !written || moved == 0 { // still in flight, or already handed back by the reaper
		s.observe(Event{Topic: s.topic(), ID: id, Attempt: attempt, Outcome: OutcomeRequeued, Err: cause})
		return false
	}
	s.observe(Event{Topic: s.topic(), ID: id, Attempt: attempt, Outcome: OutcomeDead, Err: cause})
	return true
}

// readableID is the id of an entry that is not a valid envelope, when its
// "id" field can still be read and is a valid id; else "".
func readableID(entry string) string {
	var e struct {
		ID string `json:"id"`
	}
	if json.Unmarshal([]byte(entry), &e) != nil || !ValidID(e.ID) {
		return ""
	}
	return e.ID
}

// maxLogged caps an entry in a log line.
const maxLogged = 1 << 10

// capLogged returns entry cut to maxLogged bytes; the log line carries the
// full size next to it.
func capLogged(entry string) string {
	if len(entry) <= maxLogged {
		return entry
	}
	return entry[:maxLogged] + "…"
}

// persist runs a settling script until it succeeds or the consumer has
// given up at shutdown (or cancelled its handlers after the shutdown
// timeout, so a worker stuck here returns in time), and reports whether it
// succeeded; while it fails the entry stays in flight, so it is never lost,
// only delivered again.
func (s *settler) persist(what string, run func(context.Context) error) bool {
	for backoff := 50 * time.Millisecond; ; backoff = min(2*backoff, 2*time.Second) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := run(ctx)
		cancel()
		if err == nil {
			return true
		}
		s.errs.log(what+" failed", err, "topic", s.topic())
		t := s.clock.NewTimer(backoff)
		select {
		case <-s.stopping:
			t.Stop()
			return false
		case <-s.handlers.Done():
			t.Stop()
			return false
		case <-t.Chan():
		}
	}
}

func toArgs(tokens []int64) []interface{} {
	args := make([]interface{}, len(tokens))
	for i, t := range tokens {
		args[i] = t
	}
	return args
}

// returnHandedBack puts entries that were fetched but not handled back at
// the head of the queue, oldest nearest the head, and returns how many it
// tried to.
func (s *settler) returnHandedBack(ctx context.Context) int {
	s.mu.Lock()
	tokens := s.handBack
	s.handBack = nil
	s.mu.Unlock()
	if len(tokens) == 0 {
		return 0
	}
	slices.Sort(tokens)
	if err := scripts.Requeue.Run(ctx, s.client, []string{s.keys.Inflight(s.cid), s.keys.Pending()}, toArgs(tokens)...).Err(); err != nil {
		s.log.Warn("could not hand messages back; they return after the recovery window", "topic", s.topic(), "error", err)
	}
	return len(tokens)
}
