package base

import "goweb/pkg/logger"

// BaseService holds what every worker service shares: for now, its logger.
// Embed a *BaseService to get the Log* helpers:
//
//	type EmailService struct {
//		*base.BaseService
//	}
//
// A nil *BaseService, or one with a nil logger, logs nothing rather than
// panicking, so a half-built service in a test does not crash.
type BaseService struct {
	log logger.Logger
}

// NewBaseService returns a BaseService logging to log. A nil log means
// logger.Nop().
func NewBaseService(log logger.Logger) *BaseService {
	if log == nil {
		log = logger.Nop()
	}
	return &BaseService{log: log}
}

// Logger returns the service's logger, never nil.
func (b *BaseService) Logger() logger.Logger {
	if b == nil || b.log == nil {
		return logger.Nop()
	}
	return b.log
}

// LogDebug, LogInfo, LogWarn and LogError log msg with key-value args. An
// error may stand alone among args and is logged as error=<text>, whatever
// Logger implementation the service was given (see logger.NormalizeArgs):
//
//	s.LogError("启动消费者失败", err, "topic", topic)
func (b *BaseService) LogDebug(msg string, args ...interface{}) {
	b.Logger().Debug(msg, logger.NormalizeArgs(args)...)
}

// LogInfo logs at info level; see LogDebug.
func (b *BaseService) LogInfo(msg string, args ...interface{}) {
	b.Logger().Info(msg, logger.NormalizeArgs(args)...)
}

// LogWarn logs at warn level; see LogDebug.
func (b *BaseService) LogWarn(msg string, args ...interface{}) {
	b.Logger().Warn(msg, logger.NormalizeArgs(args)...)
}

// LogError logs at error level; see LogDebug.
func (b *BaseService) LogError(msg string, args ...interface{}) {
	b.Logger().Error(msg, logger.NormalizeArgs(args)...)
}
