package service

import "sync"

// The seed's handleEmailSendIdempotent (section 7) calls these two helpers
// without defining them; this file is not the seed's. It is the simplest
// that builds: marks in this process's memory, kept forever. A real
// service uses redis.Idempotent instead, which keeps the marks in Redis
// for every replica and lets them expire:
//
//	r.Register("email.send", handle, redis.WithMiddleware(redis.Idempotent(q, 24*time.Hour)))
var processed sync.Map

func (s *CustomWorkerService) isMessageProcessed(messageID string) bool {
	_, ok := processed.Load(messageID)
	return ok
}

func (s *CustomWorkerService) markMessageProcessed(messageID string) {
	processed.Store(messageID, struct{}{})
}
