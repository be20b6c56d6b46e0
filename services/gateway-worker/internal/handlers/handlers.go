// Package handlers holds the worker's built-in handlers: one per
// predefined topic. Each logs the message it handles; system.cleanup also
// trims old dead letters and expired markers (see Cleaner).
package handlers

import (
	"context"

	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/worker"
)

// The predefined topics.
const (
	TopicOrderReminder    = "order.reminder"
	TopicUserNotification = "user.notification"
	TopicSystemCleanup    = "system.cleanup"
	TopicPaymentRetry     = "payment.retry"
	TopicInventoryAlert   = "inventory.alert"
)

// Predefined returns the predefined topics in the seed's order.
func Predefined() []string {
	return []string{TopicOrderReminder, TopicUserNotification, TopicSystemCleanup, TopicPaymentRetry, TopicInventoryAlert}
}

// Register registers the built-in handler of every predefined topic.
func Register(r worker.Registrar, log logger.Logger, cleaner *Cleaner) {
	for _, topic := range Predefined() {
		if topic == TopicSystemCleanup {
			// One cleanup at a time; the start line shows it.
			r.RegisterWith(topic, cleaner.Handle, worker.Defaults{Concurrency: 1})
			continue
		}
		r.Register(topic, Log(log))
	}
}

// Log returns a handler that logs each message at info (its data up to
// MaxLoggedData bytes) and acknowledges it.
func Log(log logger.Logger) redis.MessageHandler {
	return func(_ context.Context, msg *redis.Message) error {
		logMessage(log, msg)
		return nil
	}
}
