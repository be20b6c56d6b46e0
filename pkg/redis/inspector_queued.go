package redis

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"goweb/pkg/redis/internal/envelope"
	"goweb/pkg/redis/internal/keys"
	"goweb/pkg/redis/internal/scripts"
)

// QueuedMessage is a message waiting in a topic: pending, or delayed until
// its due time (which includes retries waiting out their backoff).
type QueuedMessage struct {
	// ID is empty for an entry published without one (another language's
	// {"data":...}): it gets its id when first taken.
	ID string `json:"id,omitempty"`
	// Data holds numbers as json.Number, so they list with every digit.
	// It is listed even when empty ({}); only an Invalid entry has none.
	Data        map[string]interface{} `json:"data,omitzero"`
	Headers     map[string]string      `json:"headers,omitempty"`
	Attempt     int                    `json:"attempt"` // failed deliveries so far
	LastError   string                 `json:"last_error,omitempty"`
	PublishedAt time.Time              `json:"published_at,omitzero"`
	DueAt       time.Time              `json:"due_at,omitzero"` // delayed messages only
	// Invalid says why the entry is not a valid envelope; it will be
	// dead-lettered when taken.
	Invalid string `json:"invalid,omitempty"`
	Entry   string `json:"entry"` // as stored
}

func decodeQueued(entry string) QueuedMessage {
	m := QueuedMessage{Entry: entry}
	env, err := envelope.Decode([]byte(entry))
	if err != nil {
		m.Invalid = err.Error()
		return m
	}
	m.ID, m.Data, m.Headers, m.Attempt, m.LastError = env.ID, env.Data, env.Headers, env.Attempt, env.Error
	if env.TS > 0 {
		m.PublishedAt = time.UnixMilli(env.TS)
	}
	return m
}

// Pending returns up to limit pending messages of topic, skipping offset,
// in delivery order (the next to be taken first).
func (i *Inspector) Pending(ctx context.Context, topic string, offset, limit int) ([]QueuedMessage, error) {
	s, err := newSpan(topic, offset, limit)
	if err != nil {
		return nil, err
	}
	// Consumers take from the right: the list read from its end.
	entries, err := i.q.client.LRange(ctx, keys.Pending(topic), -s.last()-1, -s.first()-1).Result()
	if err != nil {
		return nil, inspectError(ctx, err)
	}
	out := make([]QueuedMessage, len(entries))
	for n, e := range entries {
		out[len(entries)-1-n] = decodeQueued(e)
	}
	return out, nil
}

// Delayed returns up to limit delayed messages of topic, skipping offset,
// soonest due first.
func (i *Inspector) Delayed(ctx context.Context, topic string, offset, limit int) ([]QueuedMessage, error) {
	s, err := newSpan(topic, offset, limit)
	if err != nil {
		return nil, err
	}
	zs, err := i.q.client.ZRangeWithScores(ctx, keys.Delayed(topic), s.first(), s.last()).Result()
	if err != nil {
		return nil, inspectError(ctx, err)
	}
	out := make([]QueuedMessage, len(zs))
	for n, z := range zs {
		out[n] = decodeQueued(z.Member.(string))
		out[n].DueAt = time.UnixMilli(int64(z.Score))
	}
	return out, nil
}

// InFlightMessage is a message a consumer has taken and not yet settled:
// running in a handler, or prefetched and waiting for one.
type InFlightMessage struct {
	QueuedMessage
	Consumer string `json:"consumer"`
	// LeaseExpiry is when the consumer's lease runs out unless renewed; a
	// consumer past it is dead, and its messages return to pending.
	LeaseExpiry time.Time `json:"lease_expiry"`
}

// InFlight returns up to limit in-flight messages of topic, skipping
// offset, consumer by consumer, each consumer's in the order it took them.
func (i *Inspector) InFlight(ctx context.Context, topic string, offset, limit int) ([]InFlightMessage, error) {
	s, err := newSpan(topic, offset, limit)
	if err != nil {
		return nil, err
	}
	cons, err := i.Consumers(ctx, topic)
	if err != nil {
		return nil, err
	}
	var out []InFlightMessage
	for _, c := range cons {
		if c.InFlight == 0 {
			continue
		}
		held, err := i.q.client.HGetAll(ctx, keys.Inflight(topic, c.ID)).Result()
		if err != nil {
			return nil, inspectError(ctx, err)
		}
		tokens := make([]string, 0, len(held))
		for t := range held {
			tokens = append(tokens, t)
		}
		slices.SortFunc(tokens, func(a, b string) int { return cmp.Compare(atoi(a), atoi(b)) })
		for _, t := range tokens {
			if len(out) == s.end() {
				return within(s, out), nil
			}
			out = append(out, InFlightMessage{QueuedMessage: decodeQueued(held[t]), Consumer: c.ID, LeaseExpiry: c.LeaseExpiry})
		}
	}
	return within(s, out), nil
}

// DeletePending removes the pending messages of topic with the given ids
// and returns how many it removed. A message taken by a consumer meanwhile
// is not removed.
func (i *Inspector) DeletePending(ctx context.Context, topic string, ids ...string) (int64, error) {
	return i.each(ctx, topic, ids, i.pendingPage(topic), func(entry string) (int64, error) {
		return i.q.client.LRem(ctx, keys.Pending(topic), 1, entry).Result()
	})
}

// CancelDelayed removes the delayed messages of topic with the given ids
// and returns how many it removed.
func (i *Inspector) CancelDelayed(ctx context.Context, topic string, ids ...string) (int64, error) {
	return i.each(ctx, topic, ids, i.delayedPage(topic), func(entry string) (int64, error) {
		return i.q.client.ZRem(ctx, keys.Delayed(topic), entry).Result()
	})
}

// RunDelayedNow makes the delayed messages of topic with the given ids due
// at once: they join the pending messages, as if their time had come. It
// returns how many it moved.
func (i *Inspector) RunDelayedNow(ctx context.Context, topic string, ids ...string) (int64, error) {
	return i.each(ctx, topic, ids, i.delayedPage(topic), func(entry string) (int64, error) {
		return scripts.Revive.Run(ctx, i.q.client, []string{keys.Delayed(topic), keys.Pending(topic)}, entry, entry).Int64()
	})
}

// page returns the entries from start, up to n; none past the end.
type page func(ctx context.Context, start, n int64) ([]string, error)

func (i *Inspector) pendingPage(topic string) page {
	return func(ctx context.Context, start, n int64) ([]string, error) {
		return i.q.client.LRange(ctx, keys.Pending(topic), start, start+n-1).Result()
	}
}

func (i *Inspector) delayedPage(topic string) page {
	return func(ctx context.Context, start, n int64) ([]string, error) {
		return i.q.client.ZRange(ctx, keys.Delayed(topic), start, start+n-1).Result()
	}
}

// each finds the entries whose id is in ids, reading every page, then
// applies act to each (act returns 1 when it changed the entry, 0 when the
// entry was gone already) and returns the total.
func (i *Inspector) each(ctx context.Context, topic string, ids []string, read page, act func(entry string) (int64, error)) (int64, error) {
	if err := ValidateTopic(topic); err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, fmt.Errorf("%w: no message ids", ErrInvalidOption)
	}
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	const size = 1000
	var found []string
	for start := int64(0); ; start += size {
		entries, err := read(ctx, start, size)
		if err != nil {
			return 0, inspectError(ctx, err)
		}
		for _, e := range entries {
			if env, err := envelope.Decode([]byte(e)); err == nil && want[env.ID] {
				found = append(found, e)
			}
		}
		if len(entries) < size {
			break
		}
	}
	var n int64
	for _, e := range found {
		k, err := act(e)
		if err != nil {
			return n, inspectError(ctx, err)
		}
		n += k
	}
	return n, nil
}
