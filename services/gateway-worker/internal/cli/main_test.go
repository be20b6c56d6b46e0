package cli

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"goweb/pkg/config"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
	"goweb/services/gateway-worker/internal/servicetest"
)

func TestMain(m *testing.M) { servicetest.Main(m) }

// result is what a command line run printed and returned.
type result struct {
	code           int
	stdout, stderr string
}

// bundle is a test's topic on the package's Redis.
type bundle struct {
	topic string
	m     *redis.Manager
	opts  Options
}

func setup(t *testing.T) *bundle {
	t.Helper()
	rc := servicetest.RedisConfig(servicetest.Redis.Addr)
	return &bundle{
		topic: redistest.Topic(t),
		m:     servicetest.Manager(t, servicetest.Redis.Addr),
		opts: Options{Config: func() *config.Config {
			return config.NewFromMap(map[string]any{"redis.host": rc.Host, "redis.port": rc.Port})
		}},
	}
}

// run runs the command line args against the test's Redis.
func (b *bundle) run(t *testing.T, args ...string) result {
	t.Helper()
	return b.runCtx(t, servicetest.Ctx(t), b.opts, args...)
}

func (b *bundle) runCtx(t *testing.T, ctx context.Context, opts Options, args ...string) result {
	t.Helper()
	var stdout, stderr servicetest.Buffer
	opts.Stdout, opts.Stderr = &stdout, &stderr
	code := Execute(ctx, args, opts)
	return result{code, stdout.String(), stderr.String()}
}

// ok fails the test unless the run succeeded.
func (r result) ok(t *testing.T) result {
	t.Helper()
	if r.code != ExitOK {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	return r
}

// json decodes stdout into v.
func (r result) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.stdout), v); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
	}
}

func (b *bundle) stats(t *testing.T) *redis.TopicStats {
	t.Helper()
	s, err := b.m.Inspector().Stats(context.Background(), b.topic)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// line returns the line of out that starts with prefix.
// column is the cell under header name in the row starting with prefix of
// a table the CLI printed (an ERROR column may follow the others when a
// parallel test broke a topic).
func column(t *testing.T, out, prefix, name string) string {
	t.Helper()
	head, row := strings.Fields(strings.SplitN(out, "\n", 2)[0]), line(t, out, prefix)
	i := slices.Index(head, name)
	if i < 0 || i >= len(row) {
		t.Fatalf("no %s column in\n%s", name, out)
	}
	return row[i]
}

func line(t *testing.T, out, prefix string) []string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return strings.Fields(l)
		}
	}
	t.Fatalf("no line starting with %q in\n%s", prefix, out)
	return nil
}
