// Package logger is the structured logger of Gateway Worker: a thin layer
// over log/slog behind the small Logger interface the services use.
//
// Create one per process and pass it down:
//
//	log := logger.New("gateway-worker", cfg.GetString("log.level"))
//	log.Info("consumer started", "topic", topic)
//	log.Error("publish failed", err, "topic", topic) // error=<text> topic=...
//
// New writes JSON to stderr, or slog's text format when LOG_FORMAT=text.
// NewWithOptions picks the output, format and level explicitly, which is what
// tests want; Nop discards everything.
//
// Arguments are slog's alternating key-value pairs, with one addition: an
// error standing alone where a key is expected is logged as error=<text>
// instead of slog's "!BADKEY" (see NormalizeArgs). slog.Attr values pass
// through unchanged.
//
// FromSlog and Slog convert between Logger and *slog.Logger, so the service
// can hand a *slog.Logger to libraries that want one.
//
// Fatal logs and exits with status 1. Only main packages should call it.
package logger
