package logger

import (
	"context"
	"log/slog"
	"slices"
)

// loggerHandler is a slog.Handler that forwards records to a Logger that was
// not made by this package, so Slog works for any implementation. It is best
// effort: slog levels are rounded to the four Logger levels, and attributes
// added inside a group with WithAttrs and at record time appear as two
// separate groups of the same name.
type loggerHandler struct {
	l      Logger
	groups []string // open groups from WithGroup, outermost first
}

// Enabled is always true: the wrapped Logger does its own level filtering.
func (h *loggerHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *loggerHandler) Handle(_ context.Context, r slog.Record) error {
	args := make([]any, 0, r.NumAttrs())
	r.Attrs(func(a slog.Attr) bool {
		args = append(args, a)
		return true
	})
	args = h.nest(args)
	switch {
	case r.Level < slog.LevelInfo:
		h.l.Debug(r.Message, args...)
	case r.Level < slog.LevelWarn:
		h.l.Info(r.Message, args...)
	case r.Level < slog.LevelError:
		h.l.Warn(r.Message, args...)
	default:
		h.l.Error(r.Message, args...)
	}
	return nil
}

func (h *loggerHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	args := make([]any, len(attrs))
	for i, a := range attrs {
		args[i] = a
	}
	return &loggerHandler{l: h.l.With(h.nest(args)...), groups: h.groups}
}

func (h *loggerHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &loggerHandler{l: h.l, groups: append(slices.Clip(h.groups), name)}
}

// nest wraps args in the open groups, innermost last.
func (h *loggerHandler) nest(args []any) []any {
	if len(args) == 0 {
		return args
	}
	for i := len(h.groups) - 1; i >= 0; i-- {
		args = []any{slog.Group(h.groups[i], args...)}
	}
	return args
}
