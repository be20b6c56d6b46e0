package logger

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// decode parses JSON lines written by a JSON handler.
func decode(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("bad JSON line %q: %v", line, err)
		}
		recs = append(recs, m)
	}
	return recs
}

func TestParseLevel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		want  slog.Level
		valid bool
	}{
		{"", slog.LevelInfo, true},
		{"debug", slog.LevelDebug, true},
		{"DEBUG", slog.LevelDebug, true},
		{" Info ", slog.LevelInfo, true},
		{"warn", slog.LevelWarn, true},
		{"Warning", slog.LevelWarn, true},
		{"error", slog.LevelError, true},
		{"ERROR", slog.LevelError, true},
		{"debug+2", slog.LevelDebug + 2, true},
		{"verbose", slog.LevelInfo, false},
		{"fatal", slog.LevelInfo, false},
		{"5", slog.LevelInfo, false},
	}
	for _, tt := range tests {
		if got := ParseLevel(tt.in); got != tt.want {
			t.Errorf("ParseLevel(%q) = %v, want %v", tt.in, got, tt.want)
		}
		if got := ValidLevel(tt.in); got != tt.valid {
			t.Errorf("ValidLevel(%q) = %v, want %v", tt.in, got, tt.valid)
		}
	}
}

func TestLevelFiltering(t *testing.T) {
	t.Parallel()
	tests := []struct {
		level string
		want  []string // messages that get through
	}{
		{"debug", []string{"d", "i", "w", "e"}},
		{"info", []string{"i", "w", "e"}},
		{"", []string{"i", "w", "e"}},
		{"nonsense", []string{"i", "w", "e"}},
		{"warning", []string{"w", "e"}},
		{"error", []string{"e"}},
	}
	for _, tt := range tests {
		t.Run(tt.level, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			l := NewWithOptions(Options{Level: tt.level, Output: &buf})
			l.Debug("d")
			l.Info("i")
			l.Warn("w")
			l.Error("e")
			var got []string
			for _, r := range decode(t, &buf) {
				got = append(got, r["msg"].(string))
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestJSONRecordCarriesService(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := NewWithOptions(Options{Name: "gateway-worker", Output: &buf})
	l.Error("发送消息失败", errors.New("connection refused"), "topic", "order.reminder")
	recs := decode(t, &buf)
	if len(recs) != 1 {
		t.Fatalf("got %d records, want 1", len(recs))
	}
	r := recs[0]
	for k, want := range map[string]any{
		"service": "gateway-worker",
		"msg":     "发送消息失败",
		"level":   "ERROR",
		"error":   "connection refused",
		"topic":   "order.reminder",
	} {
		if r[k] != want {
			t.Errorf("%s = %v, want %v", k, r[k], want)
		}
	}
	if _, ok := r["time"]; !ok {
		t.Error("time missing without NoTime")
	}
	if strings.Contains(buf.String(), "BADKEY") {
		t.Errorf("BADKEY in %s", buf.String())
	}
}

func TestNoNameNoServiceAttr(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	NewWithOptions(Options{Format: "TEXT", Output: &buf, NoTime: true}).Info("x")
	if got := buf.String(); got != "level=INFO msg=x\n" {
		t.Errorf("got %q", got)
	}
}

func TestWith(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	base := NewWithOptions(Options{Name: "svc", Format: "text", Output: &buf, NoTime: true})
	child := base.With("topic", "t1", errors.New("sticky"))
	child.Info("a", "n", 1)
	base.Info("b")
	want := "level=INFO msg=a service=svc topic=t1 error=sticky n=1\n" +
		"level=INFO msg=b service=svc\n"
	if got := buf.String(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestFatalExits(t *testing.T) {
	// Not parallel: it swaps the package-level exit.
	var code = -1
	old := exit
	exit = func(c int) { code = c }
	t.Cleanup(func() { exit = old })

	var buf bytes.Buffer
	NewWithOptions(Options{Format: "text", Output: &buf, NoTime: true}).Fatal("启动消费者失败", errors.New("no redis"))
	if code != 1 {
		t.Errorf("exit code = %d, want 1", code)
	}
	if got, want := buf.String(), "level=ERROR msg=启动消费者失败 error=\"no redis\"\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}

	code = -1
	Nop().Fatal("x")
	if code != 1 {
		t.Errorf("Nop().Fatal exit code = %d, want 1", code)
	}
}

func TestNewUsesLogFormat(t *testing.T) {
	// Not parallel: t.Setenv.
	tests := []struct {
		format   string
		wantText bool
	}{
		{"", false},
		{"json", false},
		{"text", true},
		{"Text", true},
		{"xml", false},
	}
	for _, tt := range tests {
		t.Setenv("LOG_FORMAT", tt.format)
		h := Slog(New("svc", "info")).Handler()
		_, isText := h.(*slog.TextHandler)
		if isText != tt.wantText {
			t.Errorf("LOG_FORMAT=%q: handler %T", tt.format, h)
		}
	}
}

func TestNewLevel(t *testing.T) {
	t.Parallel()
	h := Slog(New("svc", "warn")).Handler()
	if h.Enabled(t.Context(), slog.LevelInfo) || !h.Enabled(t.Context(), slog.LevelWarn) {
		t.Error("level warn not applied")
	}
}

func TestNop(t *testing.T) {
	t.Parallel()
	l := Nop()
	l.Debug("d")
	l.Info("i", errors.New("e"))
	l.Warn("w")
	l.Error("e")
	l.With("k", "v").Info("x")
	if Slog(l).Enabled(t.Context(), slog.LevelError) {
		t.Error("Nop logger enabled")
	}
	if Slog(nil).Enabled(t.Context(), slog.LevelError) {
		t.Error("Slog(nil) enabled")
	}
}

func TestFromSlogRoundTrip(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	sl := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{AddSource: true}))
	l := FromSlog(sl)
	if Slog(l) != sl {
		t.Error("Slog(FromSlog(x)) != x")
	}
	l.Info("here", errors.New("e"))
	// The source must be this file, not the logger's own.
	if !strings.Contains(buf.String(), "source="+filepathBase()+"logger_test.go:") {
		t.Errorf("source not the caller: %s", buf.String())
	}
	if !strings.Contains(buf.String(), "error=e") {
		t.Errorf("standalone error not normalized: %s", buf.String())
	}
	if FromSlog(nil) == nil {
		t.Error("FromSlog(nil) returned nil")
	}
}

// filepathBase returns the directory prefix slog prints for files in this
// package.
func filepathBase() string {
	abs, err := filepath.Abs(".")
	if err != nil {
		return ""
	}
	return abs + string(filepath.Separator)
}

// recorder is a Logger from outside this package, to test Slog's wrapper.
type recorder struct {
	mu    *sync.Mutex
	lines *[]string
	with  []any
}

func newRecorder() *recorder {
	return &recorder{mu: new(sync.Mutex), lines: new([]string)}
}

func (r *recorder) add(level, msg string, args []any) {
	var buf bytes.Buffer
	sl := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: dropTime,
		Level:       slog.LevelDebug,
	}))
	sl.Info(level+" "+msg, append(append([]any{}, r.with...), args...)...)
	r.mu.Lock()
	defer r.mu.Unlock()
	*r.lines = append(*r.lines, strings.TrimPrefix(strings.TrimSpace(buf.String()), "level=INFO "))
}

func (r *recorder) Debug(msg string, args ...any) { r.add("D", msg, args) }
func (r *recorder) Info(msg string, args ...any)  { r.add("I", msg, args) }
func (r *recorder) Warn(msg string, args ...any)  { r.add("W", msg, args) }
func (r *recorder) Error(msg string, args ...any) { r.add("E", msg, args) }
func (r *recorder) Fatal(msg string, args ...any) { r.add("F", msg, args) }
func (r *recorder) With(args ...any) Logger {
	return &recorder{mu: r.mu, lines: r.lines, with: append(append([]any{}, r.with...), args...)}
}

func TestSlogWrapsForeignLogger(t *testing.T) {
	t.Parallel()
	rec := newRecorder()
	sl := Slog(rec)
	sl.Debug("d", "k", 1)
	sl.Info("i")
	sl.Warn("w")
	sl.Error("e")
	sl.Log(t.Context(), slog.LevelError+4, "e+4")
	sl.With("a", 1).WithGroup("g").With("b", 2).Info("grouped", "c", 3)
	sl.WithGroup("").With().Info("plain")
	want := []string{
		`msg="D d" k=1`,
		`msg="I i"`,
		`msg="W w"`,
		`msg="E e"`,
		`msg="E e+4"`,
		`msg="I grouped" a=1 g.b=2 g.c=3`,
		`msg="I plain"`,
	}
	if got := *rec.lines; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := NewWithOptions(Options{Name: "svc", Output: &buf})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			w := l.With("worker", i)
			for j := range 50 {
				w.Info("tick", "j", j, errors.New("e"))
			}
		})
	}
	wg.Wait()
	if n := len(decode(t, &buf)); n != 400 {
		t.Errorf("got %d records, want 400", n)
	}
}
