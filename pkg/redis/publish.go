package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	json "github.com/goccy/go-json"
	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/redis/internal/envelope"
	"goweb/pkg/redis/internal/keys"
	"goweb/pkg/redis/internal/scripts"
)

// PublishOption changes how a message is published.
type PublishOption func(*publishOptions)

type publishOptions struct {
	id       string
	headers  map[string]string
	delay    time.Duration
	at       time.Time
	dedupKey string
	dedupTTL time.Duration
	ack      replicaAck // see WithReplicaAck
}

// WithID sets the message id instead of a generated one; see ValidID.
func WithID(id string) PublishOption { return func(o *publishOptions) { o.id = id } }

// MaxIDLen is the longest message id accepted, in bytes.
const MaxIDLen = envelope.MaxIDLen

// ValidID reports whether id can be a message id: 1 to MaxIDLen printable
// ASCII bytes without spaces, quotes, backslashes or braces, so that it goes
// into JSON and Redis keys verbatim.
func ValidID(id string) bool {
	return id != "" && len(id) <= MaxIDLen && envelope.IDNeedsNoEscaping(id)
}

// WithHeaders attaches string metadata, delivered in Message.Headers.
func WithHeaders(h map[string]string) PublishOption {
	return func(o *publishOptions) { o.headers = h }
}

// WithDelay makes the message due d from now, now being Redis's clock
// (see docs/reliability.md), so a host whose own clock is off does not
// shift it.
func WithDelay(d time.Duration) PublishOption { return func(o *publishOptions) { o.delay = d } }

// WithProcessAt makes the message due at t, compared with Redis's clock.
// t is taken as given: WithProcessAt(time.Now().Add(d)) carries the host
// clock's error into the due time, so a host whose clock may be skewed
// should use WithDelay(d) instead.
func WithProcessAt(t time.Time) PublishOption { return func(o *publishOptions) { o.at = t } }

// WithDedupKey publishes only if no message of the topic was published with
// the same key within ttl; otherwise the publish returns ErrDuplicate.
func WithDedupKey(key string, ttl time.Duration) PublishOption {
	return func(o *publishOptions) { o.dedupKey, o.dedupTTL = key, ttl }
}

// Publish sends data to topic for immediate delivery.
func (q *RedisQueue) Publish(ctx context.Context, topic string, data map[string]interface{}, opts ...PublishOption) error {
	_, err := q.Enqueue(ctx, topic, data, opts...)
	return err
}

// PublishWithDelay sends data to topic for delivery after delay.
func (q *RedisQueue) PublishWithDelay(ctx context.Context, topic string, data map[string]interface{}, delay time.Duration, opts ...PublishOption) error {
	_, err := q.Enqueue(ctx, topic, data, append(opts, WithDelay(delay))...)
	return err
}

// Enqueue publishes data to topic and returns the message id. With a
// *NotReplicatedError (WithReplicaAck) it returns the id too: the message
// is stored, only its replication is unconfirmed.
func (q *RedisQueue) Enqueue(ctx context.Context, topic string, data map[string]interface{}, opts ...PublishOption) (string, error) {
	id, err := q.enqueue(ctx, topic, data, opts)
	err = fullError(err)
	q.observe(topic, 1, err)
	return id, err
}

func (q *RedisQueue) enqueue(ctx context.Context, topic string, data map[string]interface{}, opts []PublishOption) (string, error) {
	o, err := q.publishOptions(topic, opts)
	if err != nil {
		return "", err
	}
	if q.publishChain != nil {
		var id string // stays empty if a middleware does not publish
		_, err := q.publishThrough(ctx, topic, 1, o, func(ctx context.Context, o *publishOptions) ([]string, error) {
			var err error
			id, err = q.enqueueOne(ctx, topic, data, o)
			return []string{id}, err
		})
		return id, err
	}
	return q.enqueueOne(ctx, topic, data, o)
}

func (q *RedisQueue) enqueueOne(ctx context.Context, topic string, data map[string]interface{}, o *publishOptions) (string, error) {
	id := o.id
	if id == "" {
		id = q.ids.next()
	}
	q.rclock.sync(ctx)
	now := q.now()
	entry, err := q.encode(id, data, o, now.UnixMilli())
	if err != nil {
		return "", err
	}
	due := o.due(now)
	q.register(ctx, topic)
	switch {
	case o.dedupKey != "":
		err = q.publishDedup(ctx, topic, entry, due, o)
	case due > 0:
		err = q.schedule(ctx, topic, []interface{}{due, entry}, o.ack)
	case o.ack.n > 0:
		err = q.push(ctx, topic, []interface{}{entry}, o.ack)
	default:
		err = q.pipe.push(ctx, topic, entry)
	}
	if due == 0 && !errors.Is(err, ErrDuplicate) {
		// Once for every way to queue an entry at once (a de-duplicated
		// one too), also after an error: it may be stored all the same.
		q.sharing.sweeper.poke(topic)
	}
	if err != nil && !errors.Is(err, ErrNotReplicated) {
		return "", err
	}
	return id, err
}

// PublishBatch sends many messages to topic in one round trip. Either all
// are published or, on error, none is (one Redis command adds them all).
func (q *RedisQueue) PublishBatch(ctx context.Context, topic string, batch []map[string]interface{}, opts ...PublishOption) error {
	_, err := q.EnqueueBatch(ctx, topic, batch, opts...)
	return err
}

// EnqueueBatch is PublishBatch returning the ids of the messages, in order;
// with a *NotReplicatedError too, as the messages are stored.
func (q *RedisQueue) EnqueueBatch(ctx context.Context, topic string, batch []map[string]interface{}, opts ...PublishOption) ([]string, error) {
	ids, err := q.enqueueBatch(ctx, topic, batch, opts)
	err = fullError(err)
	q.observe(topic, len(batch), err)
	return ids, err
}

func (q *RedisQueue) enqueueBatch(ctx context.Context, topic string, batch []map[string]interface{}, opts []PublishOption) ([]string, error) {
	o, err := q.publishOptions(topic, opts)
	if err != nil {
		return nil, err
	}
	if o.id != "" || o.dedupKey != "" {
		return nil, fmt.Errorf("%w: WithID and WithDedupKey apply to one message, not a batch", ErrInvalidOption)
	}
	if len(batch) == 0 {
		return []string{}, nil
	}
	if q.publishChain != nil {
		return q.publishThrough(ctx, topic, len(batch), o, func(ctx context.Context, o *publishOptions) ([]string, error) {
			return q.enqueueMany(ctx, topic, batch, o)
		})
	}
	return q.enqueueMany(ctx, topic, batch, o)
}

func (q *RedisQueue) enqueueMany(ctx context.Context, topic string, batch []map[string]interface{}, o *publishOptions) ([]string, error) {
	q.rclock.sync(ctx)
	now := q.now() // one publish time for the whole batch
	due := o.due(now)
	args := make([]interface{}, 0, 2*len(batch))
	ids := make([]string, len(batch))
	for i, data := range batch {
		ids[i] = q.ids.next()
		entry, err := q.encode(ids[i], data, o, now.UnixMilli())
		if err != nil {
			return nil, fmt.Errorf("batch item %d: %w", i, err)
		}
		if due > 0 {
			args = append(args, due)
		}
		args = append(args, entry)
	}
	q.register(ctx, topic)
	var err error
	if due > 0 {
		err = q.schedule(ctx, topic, args, o.ack)
	} else {
		err = q.push(ctx, topic, args, o.ack)
		q.sharing.sweeper.poke(topic)
	}
	if err != nil && !errors.Is(err, ErrNotReplicated) {
		return nil, err
	}
	return ids, err
}

func (q *RedisQueue) publishOptions(topic string, opts []PublishOption) (*publishOptions, error) {
	if err := ValidateTopic(topic); err != nil {
		return nil, err
	}
	if err := q.m.usable(); err != nil {
		return nil, err
	}
	o := &publishOptions{ack: q.m.replicaAck}
	for _, opt := range opts {
		opt(o)
	}
	if err := o.ack.validate("WithReplicaAck"); err != nil {
		return nil, err
	}
	if o.id != "" && !ValidID(o.id) {
		return nil, fmt.Errorf("%w: WithID(%q): ids are 1 to %d printable ASCII bytes without space, quote, backslash or braces",
			ErrInvalidOption, truncate(o.id, 64), MaxIDLen)
	}
	if o.dedupKey != "" && o.dedupTTL <= 0 {
		return nil, fmt.Errorf("%w: WithDedupKey needs a positive TTL", ErrInvalidOption)
	}
	if o.delay < 0 {
		return nil, fmt.Errorf("%w: negative delay %v", ErrInvalidOption, o.delay)
	}
	return o, nil
}

// due returns the due time in unix ms, or 0 for immediate delivery.
func (o *publishOptions) due(now time.Time) int64 {
	switch {
	case !o.at.IsZero() && o.at.After(now):
		return o.at.UnixMilli()
	case o.delay > 0:
		return now.Add(o.delay).UnixMilli()
	}
	return 0
}

// encode returns the entry of data, published at ts (unix ms).
func (q *RedisQueue) encode(id string, data map[string]interface{}, o *publishOptions, ts int64) ([]byte, error) {
	if data == nil {
		data = map[string]interface{}{}
	}
	body, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("encode message data: %w", err)
	}
	entry := envelope.Encode(make([]byte, 0, len(body)+64), &envelope.Envelope{
		ID: id, TS: ts, Headers: o.headers,
	}, body)
	if len(entry) > q.maxPayload {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrPayloadTooLarge, len(entry), q.maxPayload)
	}
	return entry, nil
}

// push adds entries to the head of topic's queue in one LPUSH.
func (q *RedisQueue) push(ctx context.Context, topic string, entries []interface{}, ack replicaAck) error {
	k := keys.For(topic).Pending()
	var n int64
	err := q.write(ctx, k, ack, func(c scripts.Processor, _ goredis.Scripter) (err error) {
		n, err = lpushOnce(ctx, c, k, entries...)
		return err
	})
	// Stored even when too few replicas confirmed it: announced then too.
	q.pipe.ann.filled(topic, n, int64(len(entries)))
	return err
}

// lpushOnce is LPUSH key entries, sent at most once (scripts.NotResent);
// it returns the list's new length.
func lpushOnce(ctx context.Context, c scripts.Processor, key string, entries ...interface{}) (int64, error) {
	cmd := goredis.NewIntCmd(ctx, append([]interface{}{"lpush", key}, entries...)...)
	err := c.Process(ctx, scripts.NotResent(cmd))
	return cmd.Val(), err
}

// schedule adds delayed entries (args are due, entry pairs) and wakes the
// schedulers if one of them is the new earliest.
func (q *RedisQueue) schedule(ctx context.Context, topic string, args []interface{}, ack replicaAck) error {
	k := keys.For(topic)
	var earliest int
	err := q.write(ctx, k.Pending(), ack, func(c scripts.Processor, server goredis.Scripter) (err error) {
		earliest, err = scripts.Schedule.RunOnceOn(ctx, c, server, []string{k.Delayed()}, args...).Int()
		return err
	})
	if err != nil {
		return err
	}
	if earliest == 1 {
		q.wake.announce(ctx, topic)
	}
	return nil
}

func (q *RedisQueue) publishDedup(ctx context.Context, topic string, entry []byte, due int64, o *publishOptions) error {
	now := q.nowMs()
	k := keys.For(topic)
	var res int
	err := q.write(ctx, k.Pending(), o.ack, func(c scripts.Processor, server goredis.Scripter) (err error) {
		res, err = scripts.Dedup.RunOnceOn(ctx, c, server,
			[]string{k.Dedup(), k.Pending(), k.Delayed()},
			o.dedupKey, now+o.dedupTTL.Milliseconds(), now, entry, strconv.FormatInt(due, 10)).Int()
		if err == nil && res == 0 {
			// Nothing was written, so there is nothing for replicas to
			// confirm: returning here skips the WAIT, and a duplicate is
			// ErrDuplicate however the replicas are doing.
			return ErrDuplicate
		}
		return err
	})
	switch {
	case err != nil:
		return err
	case res == 2:
		q.wake.announce(ctx, topic)
	case res == 3: // its queue was empty: as push announces
		q.pipe.ann.filled(topic, 1, 1)
	}
	return nil
}

// PublishEvent describes the outcome of one publish call.
type PublishEvent struct {
	Topic    string
	Messages int   // 1, or the size of a PublishBatch
	Err      error // nil: published; ErrDuplicate: dropped by WithDedupKey
}

// ObservePublishes calls fn after every publish call of q (Publish,
// PublishWithDelay, Enqueue, PublishBatch and the publishes of Periodic),
// e.g. for metrics; nil stops it. fn runs on the publisher's goroutine and
// must be fast. Calls rejected for their topic name are not reported, so
// that bad input cannot add topics to metrics.
func (q *RedisQueue) ObservePublishes(fn func(PublishEvent)) {
	if fn == nil {
		q.onPublish.Store(nil)
		return
	}
	q.onPublish.Store(&fn)
}

func (q *RedisQueue) observe(topic string, n int, err error) {
	fn := q.onPublish.Load()
	if fn == nil || errors.Is(err, ErrInvalidTopic) {
		return
	}
	(*fn)(PublishEvent{Topic: topic, Messages: n, Err: err})
}
