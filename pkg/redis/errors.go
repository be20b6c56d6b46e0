package redis

import (
	"errors"
	"fmt"
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
