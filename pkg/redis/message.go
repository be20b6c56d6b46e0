package redis

import (
	"context"
	"time"
)

// Message is one delivery of a published message to a handler.
type Message struct {
	// ID identifies the message across retries and redeliveries.
	ID string
	// Topic it was published to.
	Topic string
	// Data is the JSON object that was published.
	Data map[string]interface{}
	// Attempt counts deliveries: 1 the first time, 2 on the first retry.
	Attempt int
	// PublishedAt is when it was first published (millisecond precision).
	// Zero for entries pushed by other producers without a "ts".
	PublishedAt time.Time
	// Headers carry metadata set with WithHeaders.
	Headers map[string]string
	// LastError is the previous attempt's error text, empty on the first.
	LastError string
}

// MessageHandler handles one message. Returning nil acknowledges it; an
// error retries it with backoff, or dead-letters it after the last retry or
// when the error wraps ErrSkipRetry. A panic counts as an error.
type MessageHandler func(ctx context.Context, msg *Message) error

// BatchHandler handles a batch of messages as one unit: nil acknowledges
// all, an error retries all of them.
type BatchHandler func(ctx context.Context, msgs []Message) error

// Middleware wraps a handler, e.g. for logging, metrics or idempotency.
type Middleware func(MessageHandler) MessageHandler
