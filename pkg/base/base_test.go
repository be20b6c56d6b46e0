package base

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"

	"goweb/pkg/logger"
)

// textLogger returns a logger writing reproducible text lines to a buffer.
func textLogger() (logger.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return logger.NewWithOptions(logger.Options{
		Name: "svc", Level: "debug", Format: "text", Output: &buf, NoTime: true,
	}), &buf
}

// worker mirrors how the seed's services embed BaseService.
type worker struct {
	*BaseService
}

func TestLogHelpers(t *testing.T) {
	t.Parallel()
	log, buf := textLogger()
	s := &worker{BaseService: NewBaseService(log)}
	err := errors.New("connection refused")

	s.LogDebug("d", "k", 1)
	s.LogInfo("自定义消费者启动成功", "count", 5)
	s.LogWarn("消息处理失败，重试中", "retry", 1, "error", err)
	s.LogError("启动消费者失败", err, "topic", "email.send")
	s.LogError("消息处理失败，已达最大重试次数", "message_id", "m-1")

	want := "level=DEBUG msg=d service=svc k=1\n" +
		"level=INFO msg=自定义消费者启动成功 service=svc count=5\n" +
		"level=WARN msg=消息处理失败，重试中 service=svc retry=1 error=\"connection refused\"\n" +
		"level=ERROR msg=启动消费者失败 service=svc error=\"connection refused\" topic=email.send\n" +
		"level=ERROR msg=消息处理失败，已达最大重试次数 service=svc message_id=m-1\n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if s.Logger() != log {
		t.Error("Logger() is not the logger given")
	}
}

// plainLogger is a Logger implemented outside package logger that does no
// normalization of its own.
type plainLogger struct {
	mu    sync.Mutex
	lines []string
}

func (p *plainLogger) rec(level, msg string, args []any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lines = append(p.lines, fmt.Sprint(level, " ", msg, " ", args))
}
func (p *plainLogger) Debug(msg string, args ...any) { p.rec("D", msg, args) }
func (p *plainLogger) Info(msg string, args ...any)  { p.rec("I", msg, args) }
func (p *plainLogger) Warn(msg string, args ...any)  { p.rec("W", msg, args) }
func (p *plainLogger) Error(msg string, args ...any) { p.rec("E", msg, args) }
func (p *plainLogger) Fatal(msg string, args ...any) { p.rec("F", msg, args) }
func (p *plainLogger) With(...any) logger.Logger     { return p }

func TestForeignLoggerGetsNormalizedArgs(t *testing.T) {
	t.Parallel()
	p := &plainLogger{}
	s := NewBaseService(p)
	err := errors.New("boom")
	s.LogError("m", err, "topic", "t")
	if len(p.lines) != 1 {
		t.Fatalf("got %d lines", len(p.lines))
	}
	// The standalone error must reach the foreign logger as an attribute.
	want := fmt.Sprint("E m ", []any{slog.Any("error", err), "topic", "t"})
	if p.lines[0] != want {
		t.Errorf("got %q, want %q", p.lines[0], want)
	}
}

func TestNilSafety(t *testing.T) {
	t.Parallel()
	tests := map[string]*BaseService{
		"nil logger":       NewBaseService(nil),
		"nil service":      nil,
		"zero BaseService": {},
	}
	for name, s := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if s.Logger() == nil {
				t.Fatal("Logger() returned nil")
			}
			// None of these may panic.
			s.LogDebug("d")
			s.LogInfo("i", errors.New("e"))
			s.LogWarn("w", "k")
			s.LogError("e", "k", "v")
		})
	}
}

func TestConcurrentLogging(t *testing.T) {
	t.Parallel()
	log, buf := textLogger()
	s := NewBaseService(log)
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			for range 20 {
				s.LogInfo("tick", "worker", i)
			}
		})
	}
	wg.Wait()
	if n := bytes.Count(buf.Bytes(), []byte("\n")); n != 200 {
		t.Errorf("got %d lines, want 200", n)
	}
}
