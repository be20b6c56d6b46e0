package redis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"goweb/pkg/redis/internal/envelope"
	"goweb/pkg/redis/internal/keys"
	"goweb/pkg/redis/internal/scripts"
)

// DeadLetter is one dead-lettered message.
type DeadLetter struct {
	ID       string    `json:"id,omitempty"`
	Reason   string    `json:"reason"`
	Attempt  int       `json:"attempt"`
	FailedAt time.Time `json:"failed_at"`
	Entry    string    `json:"entry"`
}

// ErrNotRequeued matches every *NotRequeuedError.
var ErrNotRequeued = errors.New("dead letters not requeued")

// NotRequeuedError says which dead letters a requeue left where they were:
// those whose entry is not a valid envelope, which would only die again.
// It names the first of them.
type NotRequeuedError struct {
	Count  int64  // dead letters left in place
	ID     string // the first one's id, empty if it has none
	Reason string // why the first one's entry is invalid
}

func (e *NotRequeuedError) Error() string {
	return fmt.Sprintf("%d dead letters not requeued, their entries are invalid; first (id %q): %s", e.Count, e.ID, e.Reason)
}

// Is reports whether target is ErrNotRequeued.
func (e *NotRequeuedError) Is(target error) bool { return target == ErrNotRequeued }

// DeadLetters returns up to limit dead letters of topic, newest first,
// skipping offset.
func (i *Inspector) DeadLetters(ctx context.Context, topic string, offset, limit int) ([]DeadLetter, error) {
	s, err := newSpan(topic, offset, limit)
	if err != nil {
		return nil, err
	}
	recs, err := i.q.client.ZRevRange(ctx, keys.Dead(topic), s.first(), s.last()).Result()
	if err != nil {
		return nil, inspectError(ctx, err)
	}
	out := make([]DeadLetter, 0, len(recs))
	for _, r := range recs {
		out = append(out, decodeDeadLetter(r))
	}
	return out, nil
}

func decodeDeadLetter(r string) DeadLetter {
	rec, err := envelope.DecodeDead([]byte(r))
	if err != nil {
		return DeadLetter{Reason: err.Error(), Entry: r}
	}
	return DeadLetter{ID: rec.ID, Reason: rec.Reason, Attempt: rec.Attempt, FailedAt: time.UnixMilli(rec.FailedAt), Entry: rec.Entry}
}

// RequeueDead publishes the dead letters of topic with the given ids again,
// their entry unchanged but for the attempt count, which starts over (see
// RequeueAllDead). It returns how many it requeued. At least one id is
// required.
func (i *Inspector) RequeueDead(ctx context.Context, topic string, ids ...string) (int64, error) {
	if len(ids) == 0 {
		return 0, fmt.Errorf("%w: no dead-letter ids (RequeueAllDead requeues all)", ErrInvalidOption)
	}
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	return i.requeue(ctx, topic, func(dl DeadLetter) bool { return want[dl.ID] })
}

// RequeueAllDead publishes again every dead letter topic has when it
// starts, each once, and returns how many it requeued. A dead letter made
// while it runs (one it requeued dying again, say) stays dead.
//
// Each entry goes back byte for byte, or without its "attempt" and "error"
// so that its attempts start over. An entry that is not a valid envelope
// stays a dead letter: the error is then a *NotRequeuedError, and the
// count says how many others were requeued. When ctx ends first, the error
// wraps ctx.Err() and says how far it got.
func (i *Inspector) RequeueAllDead(ctx context.Context, topic string) (int64, error) {
	return i.requeue(ctx, topic, func(DeadLetter) bool { return true })
}

// requeueBatch bounds the dead letters moved by one script call, so Redis
// is never blocked for long.
const requeueBatch = 200

// requeue moves the dead letters that match, among those that exist now.
// The set is read once: rereading it would find the letters that die again
// meanwhile and requeue them without end.
func (i *Inspector) requeue(ctx context.Context, topic string, match func(DeadLetter) bool) (int64, error) {
	if err := ValidateTopic(topic); err != nil {
		return 0, err
	}
	dead := keys.Dead(topic)
	recs, err := i.q.client.ZRange(ctx, dead, 0, -1).Result()
	if err != nil {
		return 0, inspectError(ctx, err)
	}
	var n int64
	var refused *NotRequeuedError
	batch := make([]any, 0, 2*requeueBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		moved, err := scripts.Revive.Run(ctx, i.q.client, []string{dead, keys.Pending(topic)}, batch...).Int64()
		batch = batch[:0]
		n += moved
		if err != nil {
			return fmt.Errorf("requeued %d of %d dead letters, then: %w", n, len(recs), inspectError(ctx, err))
		}
		return nil
	}
	for _, r := range recs {
		dl := decodeDeadLetter(r)
		if !match(dl) {
			continue
		}
		entry, err := envelope.Requeued([]byte(dl.Entry))
		if err != nil {
			if refused == nil {
				refused = &NotRequeuedError{ID: dl.ID, Reason: err.Error()}
			}
			refused.Count++
			continue
		}
		if batch = append(batch, r, entry); len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := flush(); err != nil {
		return n, err
	}
	if refused != nil {
		return n, refused
	}
	return n, nil
}

// PurgeDead deletes all dead letters of topic and returns how many.
func (i *Inspector) PurgeDead(ctx context.Context, topic string) (int64, error) {
	if err := ValidateTopic(topic); err != nil {
		return 0, err
	}
	n, err := scripts.Purge.Run(ctx, i.q.client, []string{keys.Dead(topic)}).Int64()
	return n, inspectError(ctx, err)
}
