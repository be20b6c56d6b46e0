package logger

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"testing"
)

// render logs args through a text handler without time, so a test can
// compare the exact line.
func render(args ...any) string {
	var buf bytes.Buffer
	l := NewWithOptions(Options{Format: "text", Output: &buf, NoTime: true})
	l.Info("m", args...)
	return buf.String()
}

func TestNormalizeArgs(t *testing.T) {
	t.Parallel()
	errA := errors.New("boom")
	errB := fmt.Errorf("wrapped: %w", errA)
	tests := []struct {
		name string
		args []any
		want string
	}{
		{"no args", nil, "level=INFO msg=m\n"},
		{"pairs", []any{"a", 1, "b", "x"}, "level=INFO msg=m a=1 b=x\n"},
		{"error alone", []any{errA}, "level=INFO msg=m error=boom\n"},
		{"error first then pairs", []any{errA, "topic", "t1"}, "level=INFO msg=m error=boom topic=t1\n"},
		{"error after a pair", []any{"topic", "t1", errA}, "level=INFO msg=m topic=t1 error=boom\n"},
		{"error as value stays", []any{"cause", errA}, "level=INFO msg=m cause=boom\n"},
		{"explicit error key", []any{"error", errA}, "level=INFO msg=m error=boom\n"},
		{"two standalone errors", []any{errA, "k", 1, errB}, "level=INFO msg=m error=boom k=1 error_2=\"wrapped: boom\"\n"},
		{"three standalone errors", []any{errA, errA, errA}, "level=INFO msg=m error=boom error_2=boom error_3=boom\n"},
		{"attr passes through", []any{slog.Int("n", 5), errA}, "level=INFO msg=m n=5 error=boom\n"},
		{"attr then pair", []any{slog.String("s", "v"), "k", 2}, "level=INFO msg=m s=v k=2\n"},
		{"dangling key", []any{"k"}, "level=INFO msg=m !BADKEY=k\n"},
		{"non-string key keeps BADKEY", []any{42, "k", "v"}, "level=INFO msg=m !BADKEY=42 k=v\n"},
		{"nil key keeps BADKEY", []any{nil, errA}, "level=INFO msg=m !BADKEY=<nil> error=boom\n"},
		{"error in value position after BADKEY", []any{42, errA}, "level=INFO msg=m !BADKEY=42 error=boom\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := render(tt.args...); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestNormalizeArgsKeepsInput(t *testing.T) {
	t.Parallel()
	err := errors.New("e")
	in := []any{err, "k", "v"}
	orig := slices.Clone(in)
	out := NormalizeArgs(in)
	if !slices.Equal(in, orig) {
		t.Errorf("input modified: %v", in)
	}
	if len(out) != 3 {
		t.Fatalf("len(out) = %d, want 3", len(out))
	}
	if a, ok := out[0].(slog.Attr); !ok || a.Key != ErrorKey || a.Value.Any() != err {
		t.Errorf("out[0] = %#v, want error attr holding the original error", out[0])
	}
}

func TestNormalizeArgsIdempotent(t *testing.T) {
	t.Parallel()
	in := []any{errors.New("a"), "k", 1, errors.New("b")}
	once := NormalizeArgs(in)
	twice := NormalizeArgs(once)
	if !slices.EqualFunc(once, twice, func(a, b any) bool { return fmt.Sprint(a) == fmt.Sprint(b) }) {
		t.Errorf("once %v, twice %v", once, twice)
	}
}

func TestNormalizeArgsNoAllocWithoutErrors(t *testing.T) {
	t.Parallel()
	in := []any{"a", 1, "b", 2}
	out := NormalizeArgs(in)
	if &out[0] != &in[0] {
		t.Error("args without a standalone error were copied")
	}
}
