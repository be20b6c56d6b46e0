package logger

import (
	"context"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"time"
)

// exit is os.Exit, swapped out by tests of Fatal.
var exit = os.Exit

// Options configure NewWithOptions. The zero value logs JSON at info level to
// os.Stderr.
type Options struct {
	// Name is added to every record as service=<Name>. Empty adds nothing.
	Name string
	// Level is debug, info, warn (or warning) or error, case-insensitive;
	// slog's "info+2" form works too. Empty or unknown means info: a typo in
	// LOG_LEVEL should not stop a service from starting.
	Level string
	// Format is "json" or "text", case-insensitive. Anything else means json.
	Format string
	// Output is where records are written. Defaults to os.Stderr.
	Output io.Writer
	// NoTime drops the time attribute, for output that must be reproducible
	// (examples, golden tests).
	NoTime bool
}

// New returns a Logger named name at the given level, writing to os.Stderr.
// The format comes from the LOG_FORMAT environment variable ("text" selects
// slog's text handler, anything else JSON).
func New(name, level string) Logger {
	return NewWithOptions(Options{Name: name, Level: level, Format: os.Getenv("LOG_FORMAT")})
}

// NewWithOptions returns a Logger configured by opts. Unlike New it does not
// read the environment, so tests get the same output everywhere.
func NewWithOptions(opts Options) Logger {
	out := opts.Output
	if out == nil {
		out = os.Stderr
	}
	ho := &slog.HandlerOptions{Level: ParseLevel(opts.Level)}
	if opts.NoTime {
		ho.ReplaceAttr = dropTime
	}
	var h slog.Handler
	if strings.EqualFold(strings.TrimSpace(opts.Format), "text") {
		h = slog.NewTextHandler(out, ho)
	} else {
		h = slog.NewJSONHandler(out, ho)
	}
	l := slog.New(h)
	if opts.Name != "" {
		l = l.With("service", opts.Name)
	}
	return &slogLogger{l: l}
}

func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{} // an empty Attr is omitted by the handlers
	}
	return a
}

// ParseLevel maps a level name to a slog.Level. It accepts debug, info, warn,
// warning and error in any case, plus slog's offsets such as "debug+2".
// Empty or unknown names give slog.LevelInfo; use ValidLevel to tell them
// apart.
func ParseLevel(s string) slog.Level {
	l, _ := parseLevel(s)
	return l
}

// ValidLevel reports whether ParseLevel understands s. Empty counts as valid
// (it means info).
func ValidLevel(s string) bool {
	_, ok := parseLevel(s)
	return ok
}

func parseLevel(s string) (slog.Level, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return slog.LevelInfo, true
	}
	if strings.EqualFold(s, "warning") {
		return slog.LevelWarn, true
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo, false
	}
	return l, true
}

// FromSlog adapts l to Logger, adding the standalone-error handling of
// NormalizeArgs. A nil l means slog.Default().
func FromSlog(l *slog.Logger) Logger {
	if l == nil {
		l = slog.Default()
	}
	return &slogLogger{l: l}
}

// Slog returns a *slog.Logger writing through l, for libraries that want
// slog. For a Logger made by this package it is the underlying logger itself;
// any other implementation is wrapped so records reach its methods. A nil l
// gives a logger that discards everything.
func Slog(l Logger) *slog.Logger {
	switch l := l.(type) {
	case nil:
		return slog.New(slog.DiscardHandler)
	case *slogLogger:
		return l.l
	default:
		return slog.New(&loggerHandler{l: l})
	}
}

// Nop returns a Logger that discards every record; a handy default for
// libraries and tests. Its Fatal still exits, since callers rely on Fatal not
// returning.
func Nop() Logger {
	return &slogLogger{l: slog.New(slog.DiscardHandler)}
}

// slogLogger is the Logger implementation over *slog.Logger.
type slogLogger struct {
	l *slog.Logger
}

func (s *slogLogger) Debug(msg string, args ...any) { s.log(slog.LevelDebug, msg, args) }
func (s *slogLogger) Info(msg string, args ...any)  { s.log(slog.LevelInfo, msg, args) }
func (s *slogLogger) Warn(msg string, args ...any)  { s.log(slog.LevelWarn, msg, args) }
func (s *slogLogger) Error(msg string, args ...any) { s.log(slog.LevelError, msg, args) }

func (s *slogLogger) Fatal(msg string, args ...any) {
	s.log(slog.LevelError, msg, args)
	exit(1)
}

func (s *slogLogger) With(args ...any) Logger {
	return &slogLogger{l: s.l.With(NormalizeArgs(args)...)}
}

// log builds the record itself rather than calling slog.Logger.Log so that
// the source position (for handlers with AddSource) is our caller, not this
// file.
func (s *slogLogger) log(level slog.Level, msg string, args []any) {
	ctx := context.Background()
	h := s.l.Handler()
	if !h.Enabled(ctx, level) {
		return
	}
	var pcs [1]uintptr
	runtime.Callers(3, pcs[:]) // skip Callers, log and the Logger method
	r := slog.NewRecord(time.Now(), level, msg, pcs[0])
	r.Add(NormalizeArgs(args)...)
	_ = h.Handle(ctx, r) // a logger has nowhere to report its own failure
}
