// Package base provides BaseService, the small piece of shared plumbing that
// Gateway Worker services embed to get logging helpers.
//
//	type CustomWorkerService struct {
//		*base.BaseService
//		redisManager *redis.Manager
//	}
//
//	func NewCustomWorkerService(m *redis.Manager, log logger.Logger) *CustomWorkerService {
//		return &CustomWorkerService{BaseService: base.NewBaseService(log), redisManager: m}
//	}
//
//	s.LogInfo("consumer started", "topic", topic)
//	s.LogError("consumer failed", err, "topic", topic) // error=<text> topic=...
//
// The helpers accept an error standing alone among the key-value pairs, like
// the logger package, even when the service was given a Logger implemented
// elsewhere.
package base
