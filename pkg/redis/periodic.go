package redis

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	json "github.com/goccy/go-json"
	"github.com/robfig/cron/v3"
)

// Schedule gives the activation times of a periodic publish.
type Schedule interface {
	// Next returns the first activation time after t, or the zero time
	// when there is none.
	Next(t time.Time) time.Time
}

var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour |
	cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule parses the spec of a periodic publish:
//
//   - a cron expression of five fields (minute, hour, day of month, month,
//     day of week) or six with leading seconds: "0 9 * * MON-FRI",
//     "*/10 * * * * *";
//   - a descriptor: @yearly, @monthly, @weekly, @daily, @hourly;
//   - "@every <duration>", at least one second: "@every 30s", "@every 1h".
//
// Cron times are in UTC unless the spec starts with CRON_TZ=<zone>. Ticks
// of "@every d" fall on multiples of d since the Unix epoch, so that every
// process computes the same ticks whenever it starts.
func ParseSchedule(spec string) (Schedule, error) {
	if rest, ok := strings.CutPrefix(spec, "@every "); ok {
		d, err := time.ParseDuration(strings.TrimSpace(rest))
		if err != nil || d < time.Second {
			return nil, fmt.Errorf("%w: schedule %q: @every takes a duration of at least 1s", ErrInvalidOption, spec)
		}
		return every(d), nil
	}
	s, err := parseCron(spec)
	if err != nil {
		return nil, fmt.Errorf("%w: schedule %q: %v", ErrInvalidOption, spec, err)
	}
	if s.Next(time.Now().UTC()).IsZero() {
		return nil, fmt.Errorf("%w: schedule %q never fires", ErrInvalidOption, spec)
	}
	return s, nil
}

// parseCron is cronParser.Parse, which panics on some malformed specs
// (robfig/cron v3.0.1 on "CRON_TZ=" without a schedule, found by
// FuzzParseSchedule): a panic is a parse error too.
func parseCron(spec string) (s cron.Schedule, err error) {
	defer func() {
		if recover() != nil {
			s, err = nil, errors.New("malformed time zone prefix or fields")
		}
	}()
	return cronParser.Parse(spec)
}

// every ticks on the multiples of itself since the Unix epoch.
type every time.Duration

func (e every) Next(t time.Time) time.Time {
	d := time.Duration(e)
	return time.Unix(0, 0).UTC().Add(t.Sub(time.Unix(0, 0)).Truncate(d) + d)
}

// Periodic publishes data to topic at every tick of spec (see
// ParseSchedule) until ctx is cancelled, then returns nil. Errors in spec,
// topic, data or options are returned at once.
//
// Each tick is published once however many processes run the same
// Periodic: the message of a tick has an id made of the schedule, the data
// and the tick's time, and is published with that id as its
// de-duplication key (see WithDedupKey). Run it in every replica, so that
// the schedule survives the loss of any of them. Two Periodic calls on one
// topic with the same spec and data are one schedule.
//
// A tick whose publish fails (Redis unreachable) is retried with backoff
// until the next tick is due, then given up with a warning. Ticks that fall
// while no process runs the schedule are not made up for. WithID,
// WithDedupKey, WithDelay and WithProcessAt do not apply.
func (q *RedisQueue) Periodic(ctx context.Context, spec, topic string, data map[string]interface{}, opts ...PublishOption) error {
	sched, err := ParseSchedule(spec)
	if err != nil {
		return err
	}
	o, err := q.publishOptions(topic, opts)
	if err != nil {
		return err
	}
	if o.id != "" || o.dedupKey != "" || o.delay != 0 || !o.at.IsZero() {
		return fmt.Errorf("%w: Periodic sets the id, de-duplication key and due time of its messages", ErrInvalidOption)
	}
	body, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encode message data: %w", err)
	}
	h := fnv.New64a()
	h.Write([]byte(spec))
	h.Write([]byte{0})
	h.Write(body)
	p := &periodic{
		q: q, sched: sched, spec: spec, topic: topic, data: data, opts: opts,
		prefix: fmt.Sprintf("periodic-%016x-", h.Sum64()),
		errs:   newThrottle(q.log, q.clock, 10*time.Second),
	}
	// The size limit, checked once with the longest id a tick can have.
	if _, err := q.encode(p.prefix+"9999999999999", data, o, q.nowMs()); err != nil {
		return err
	}
	p.run(ctx)
	return nil
}

type periodic struct {
	q      *RedisQueue
	sched  Schedule
	spec   string
	topic  string
	data   map[string]interface{}
	opts   []PublishOption
	prefix string // of the ids: the schedule's identity
	errs   *throttle
}

func (p *periodic) run(ctx context.Context) {
	for {
		p.q.rclock.sync(ctx) // ticks are on Redis's time, so every process picks the same ones
		tick := p.sched.Next(p.q.now().UTC())
		if tick.IsZero() {
			<-ctx.Done() // no tick left: wait to be stopped, as promised
			return
		}
		if !sleepCtx(ctx, p.q.clock, tick.Sub(p.q.now())) {
			return
		}
		p.publish(ctx, tick)
	}
}

// publish sends tick's message, retrying until it is stored, a duplicate
// (another process sent it), or the next tick is due.
func (p *periodic) publish(ctx context.Context, tick time.Time) {
	next := p.sched.Next(tick)
	id := p.prefix + strconv.FormatInt(tick.UnixMilli(), 10)
	// The key outlives any clock skew between processes; one key per tick.
	ttl := max(next.Sub(tick), time.Minute)
	opts := append(p.opts[:len(p.opts):len(p.opts)], WithID(id), WithDedupKey(id, ttl))
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		err := p.q.Publish(ctx, p.topic, p.data, opts...)
		switch {
		case err == nil, errors.Is(err, ErrDuplicate), ctx.Err() != nil:
			return
		case !next.IsZero() && p.q.now().Add(wait).After(next):
			p.q.log.Warn("periodic publish given up for this tick", "topic", p.topic,
				"schedule", p.spec, "tick", tick.Format(time.RFC3339Nano), "error", err)
			return
		}
		p.errs.log("periodic publish failed; retrying", err, "topic", p.topic, "schedule", p.spec)
		sleepCtx(ctx, p.q.clock, wait)
	}
}
