package dispatch

import (
	"context"
	"fmt"
	"time"

	json "github.com/goccy/go-json"
	goredis "github.com/redis/go-redis/v9"
)

// Defaults of the attempts record.
const (
	DefaultAttemptsKept = 5
	DefaultAttemptsTTL  = 14 * 24 * time.Hour
	// MaxBodySnippet bounds the response body kept per attempt.
	MaxBodySnippet = 1024
)

// Attempt is one failed delivery of a routed message, as the admin API
// shows it next to the dead letter.
type Attempt struct {
	Attempt    int       `json:"attempt"`
	At         time.Time `json:"at"`
	Status     int       `json:"status,omitempty"` // 0: no response
	DurationMs float64   `json:"duration_ms"`
	Error      string    `json:"error"`
	Body       string    `json:"body,omitempty"` // the first MaxBodySnippet bytes
}

// Attempts keeps the last failed attempts of each routed message in Redis,
// apart from the message itself: a capped list per message id with a TTL,
// in the topic's Cluster slot. Only failures are written, so a message
// delivered at its first attempt costs nothing here; a later success
// deletes the list.
type Attempts struct {
	client goredis.UniversalClient
	keep   int
	ttl    time.Duration
}

// NewAttempts keeps the last keep attempts of a message for ttl after its
// last failure.
func NewAttempts(client goredis.UniversalClient, keep int, ttl time.Duration) *Attempts {
	return &Attempts{client: client, keep: keep, ttl: ttl}
}

// AttemptsKey is the key of a message's attempts list. It shares the
// topic's hash tag, as every key of a topic does (docs/wire-format.md).
func AttemptsKey(topic, id string) string { return "{mq:" + topic + "}:attempts:" + id }

// add appends a and trims the list to the last keep, in one transaction.
func (a *Attempts) add(ctx context.Context, topic, id string, at Attempt) error {
	b, err := json.Marshal(at)
	if err != nil {
		return fmt.Errorf("dispatch: encode attempt: %w", err)
	}
	key := AttemptsKey(topic, id)
	_, err = a.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		if at.Attempt <= 1 {
			// A first attempt starts the record over: what is left is a
			// previous life of the id (a requeued dead letter, an id
			// published again), not this message's history.
			p.Del(ctx, key)
		}
		p.RPush(ctx, key, b)
		p.LTrim(ctx, key, int64(-a.keep), -1)
		p.PExpire(ctx, key, a.ttl)
		return nil
	})
	if err != nil {
		return fmt.Errorf("dispatch: record attempt: %w", err)
	}
	return nil
}

// Forget deletes the attempts of the messages ids of topic: a delivered
// message's, or a requeued dead letter's (see RequeueDead).
func (a *Attempts) Forget(ctx context.Context, topic string, ids ...string) error {
	for len(ids) > 0 {
		n := min(len(ids), forgetBatch)
		_, err := a.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
			for _, id := range ids[:n] {
				p.Del(ctx, AttemptsKey(topic, id))
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("dispatch: forget attempts: %w", err)
		}
		ids = ids[n:]
	}
	return nil
}

// forgetBatch bounds the deletes sent in one round trip.
const forgetBatch = 500

// List returns a message's recorded attempts, oldest first; none when it
// has no failed attempt on record (or they expired).
func (a *Attempts) List(ctx context.Context, topic, id string) ([]Attempt, error) {
	all, err := a.ListMany(ctx, topic, []string{id})
	if err != nil {
		return nil, err
	}
	return all[0], nil
}

// ListMany is List for several messages of topic in one round trip; an
// empty id has no attempts.
func (a *Attempts) ListMany(ctx context.Context, topic string, ids []string) ([][]Attempt, error) {
	cmds := make([]*goredis.StringSliceCmd, len(ids))
	_, err := a.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, id := range ids {
			if id != "" {
				cmds[i] = p.LRange(ctx, AttemptsKey(topic, id), 0, -1)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dispatch: read attempts: %w", err)
	}
	out := make([][]Attempt, len(ids))
	for i, cmd := range cmds {
		if cmd == nil {
			continue
		}
		if out[i], err = decodeAttempts(ids[i], cmd.Val()); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func decodeAttempts(id string, raw []string) ([]Attempt, error) {
	out := make([]Attempt, 0, len(raw))
	for _, s := range raw {
		var at Attempt
		if err := json.Unmarshal([]byte(s), &at); err != nil {
			return nil, fmt.Errorf("dispatch: attempts of %s: %w", id, err)
		}
		out = append(out, at)
	}
	return out, nil
}
