package service

import (
	"context"
	"time"
)

// The helpers handleEmailSendIdempotent (section 7 of the seed) calls. The
// marks live in Redis, not in memory, so that every replica sees them: a
// message redelivered to another pod after a crash is still skipped.

// processedTTL is how long a message id stays marked. Redeliveries happen
// within seconds or minutes; a day is a wide margin.
const processedTTL = 24 * time.Hour

// redisTimeout bounds the marker commands, which the seed's signatures
// give no context to.
const redisTimeout = 2 * time.Second

func processedKey(messageID string) string { return "gateway-worker:processed:" + messageID }

// isMessageProcessed reports whether messageID was marked processed. When
// Redis cannot tell, it says no: handling a message twice is better than
// dropping it under at-least-once delivery.
func (s *CustomWorkerService) isMessageProcessed(messageID string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), redisTimeout)
	defer cancel()
	n, err := s.redisManager.Client().Exists(ctx, processedKey(messageID)).Result()
	if err != nil {
		s.LogWarn("cannot check whether message was processed", err, "message_id", messageID)
		return false
	}
	return n == 1
}

// markMessageProcessed marks messageID processed for processedTTL.
func (s *CustomWorkerService) markMessageProcessed(messageID string) {
	ctx, cancel := context.WithTimeout(context.Background(), redisTimeout)
	defer cancel()
	if err := s.redisManager.Client().Set(ctx, processedKey(messageID), 1, processedTTL).Err(); err != nil {
		s.LogWarn("cannot mark message processed", err, "message_id", messageID)
	}
}
