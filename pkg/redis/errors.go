package redis

import (
	"errors"
	"fmt"
	"time"
)

var (
	// ErrSkipRetry, wrapped into a handler's error (see SkipRetry), sends the
	// message straight to the dead letters instead of retrying it.
	ErrSkipRetry = errors.New("skip retry")
	// ErrInvalidTopic matches every *TopicError.
	ErrInvalidTopic = errors.New("invalid topic")
	// ErrPayloadTooLarge is returned when an encoded message exceeds the
	// queue's payload limit.
	ErrPayloadTooLarge = errors.New("payload too large")
	// ErrDuplicate is returned by a publish with WithDedupKey when the key
	// was already used within its TTL. Nothing was published.
	ErrDuplicate = errors.New("duplicate message")
	// ErrClosed is returned by calls on a closed Manager.
	ErrClosed = errors.New("redis manager closed")
	// ErrInvalidOption is returned for option values that cannot work, such
	// as a negative concurrency.
	ErrInvalidOption = errors.New("invalid option")
)

// SkipRetry wraps err so that the message is dead-lettered at once.
func SkipRetry(err error) error {
	if err == nil {
		err = errors.New("handler asked to skip retries")
	}
	return fmt.Errorf("%w: %w", ErrSkipRetry, err)
}

// RetryAfter wraps err so that the message's next attempt comes d from now
// instead of after the topic's backoff, e.g. when a server answered 429 with
// a Retry-After header. The delivery counts as an attempt, as any failure
// does: after the last retry the message is dead-lettered. For a delivery
// that never reached the work (a circuit breaker holding it back), return a
// *RetryAfterError with NotAnAttempt set instead.
func RetryAfter(d time.Duration, err error) error {
	return &RetryAfterError{Delay: d, Err: err}
}

// RetryAfterError asks for the next attempt after Delay; see RetryAfter.
type RetryAfterError struct {
	// Delay before the next attempt; negative counts as zero.
	Delay time.Duration
	// NotAnAttempt, when set, leaves the message's attempt count and last
	// error as they were and never dead-letters it: the delivery is only
	// postponed, and neither the failed nor the retried count grows.
	// Defaults to false: the delivery counts as a failed attempt.
	NotAnAttempt bool
	// Err is why; it may be nil.
	Err error
}

func (e *RetryAfterError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("retry after %v", e.Delay)
	}
	return fmt.Sprintf("retry after %v: %v", e.Delay, e.Err)
}

// Unwrap returns Err.
func (e *RetryAfterError) Unwrap() error { return e.Err }

// TopicError explains why a topic name was refused.
type TopicError struct {
	Topic  string
	Reason string
}

func (e *TopicError) Error() string {
	return fmt.Sprintf("invalid topic %q: %s", truncate(e.Topic, 64), e.Reason)
}

// Is reports whether target is ErrInvalidTopic.
func (e *TopicError) Is(target error) bool { return target == ErrInvalidTopic }

// PanicError is the error a recovered handler panic becomes.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("handler panicked: %v", e.Value) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
