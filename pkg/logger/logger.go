package logger

// Logger is the structured logger used throughout Gateway Worker.
//
// Every method takes a message followed by alternating key-value pairs, as
// log/slog does. An error value may stand alone among them and is logged as
// error=<text>; a dangling key without a value is logged under "!BADKEY" by
// slog, never dropped.
//
// Implementations must be safe for concurrent use. See NormalizeArgs for the
// exact rules applied to args.
type Logger interface {
	Debug(msg string, args ...interface{})
	Info(msg string, args ...interface{})
	Warn(msg string, args ...interface{})
	Error(msg string, args ...interface{})
	// Fatal logs at error level and exits the process with status 1. Only
	// main packages should call it; the library never does.
	Fatal(msg string, args ...interface{})
	// With returns a Logger that adds args to every record.
	With(args ...interface{}) Logger
}
