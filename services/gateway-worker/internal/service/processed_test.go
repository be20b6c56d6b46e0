package service

import (
	"context"
	"testing"

	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/servicetest"
)

func TestMain(m *testing.M) { servicetest.Main(m) }

func TestProcessedMarks(t *testing.T) {
	t.Parallel()
	s := NewCustomWorkerService(servicetest.Manager(t, servicetest.Redis.Addr), logger.Nop())
	id := t.Name() + "-1"
	if s.isMessageProcessed(id) {
		t.Fatal("new id already processed")
	}
	s.markMessageProcessed(id)
	if !s.isMessageProcessed(id) {
		t.Fatal("marked id not processed")
	}
	// A second service, as in another replica, sees the mark too.
	other := NewCustomWorkerService(servicetest.Manager(t, servicetest.Redis.Addr), logger.Nop())
	if !other.isMessageProcessed(id) {
		t.Error("mark not shared through Redis")
	}
}

// Without Redis, a message counts as not processed: it runs again rather
// than being dropped.
func TestProcessedWithRedisDown(t *testing.T) {
	t.Parallel()
	s := NewCustomWorkerService(servicetest.Manager(t, "127.0.0.1:1"), logger.Nop())
	s.markMessageProcessed("x")
	if s.isMessageProcessed("x") {
		t.Error("processed without Redis")
	}
}

func TestHandleEmailSendIdempotent(t *testing.T) {
	t.Parallel()
	s := NewCustomWorkerService(servicetest.Manager(t, servicetest.Redis.Addr), logger.Nop())
	msg := &redis.Message{ID: t.Name(), Topic: "email.send", Data: map[string]interface{}{"to": "a@b.c", "subject": "s", "content": "c"}}
	for i := 0; i < 2; i++ {
		if err := s.handleEmailSendIdempotent(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
	}
	if !s.isMessageProcessed(msg.ID) {
		t.Error("not marked after handling")
	}
}
