package settings_test

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"goweb/pkg/config"
	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/settings"
	"goweb/services/gateway-worker/internal/worker"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var registered = []string{"order.reminder", "payment.retry", "system.cleanup"}

func nop(context.Context, *redis.Message) error { return nil }

// registrations registers the test topics, system.cleanup with a
// concurrency of its own as the service does.
func registrations() []worker.Registration {
	var reg worker.Registry
	for _, topic := range registered {
		if topic == "system.cleanup" {
			reg.RegisterWith(topic, nop, worker.Defaults{Concurrency: 1})
			continue
		}
		reg.Register(topic, nop)
	}
	return reg.Registrations()
}

// loaded is what the app gets: the settings and the consumed topics.
type loaded struct {
	*settings.Settings
	Topics   settings.Topics
	Warnings []string
}

func load(cfg *config.Config) (*loaded, error) {
	s, err := settings.Load(cfg)
	if err != nil {
		return nil, err
	}
	topics, warnings, err := s.Consume(registrations())
	if err != nil {
		return nil, err
	}
	return &loaded{Settings: s, Topics: topics, Warnings: warnings}, nil
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	s, err := load(config.NewFromMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	if s.Port != 8084 || s.ShutdownTimeout != 25*time.Second || s.DeadRetention != 168*time.Hour {
		t.Errorf("defaults: port %d, shutdown %v, retention %v", s.Port, s.ShutdownTimeout, s.DeadRetention)
	}
	if got := strings.Join(s.Topics.Names(), ","); got != strings.Join(registered, ",") {
		t.Errorf("topics = %s, want every registered topic", got)
	}
	want := settings.Topic{Name: "order.reminder", Concurrency: 10, MaxRetries: 3}
	if s.Topics[0] != want {
		t.Errorf("topic = %+v, want %+v", s.Topics[0], want)
	}
}

func TestTopicOptions(t *testing.T) {
	t.Parallel()
	cfg := config.NewFromMap(map[string]any{
		"worker": map[string]any{
			"topics":          "payment.retry, order.reminder", // the WORKER_TOPICS form
			"concurrency":     4,
			"handler_timeout": "30s",
			"topic_options": map[string]any{
				"payment.retry":  map[string]any{"concurrency": 2, "max_retries": 5, "rate_limit": " 10/s:20 "},
				"order.reminder": map[string]any{"global_concurrency": 3},
			},
		},
		"cleanup": map[string]any{"dead_retention": "48h", "interval": "0"},
	})
	s, err := load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := []settings.Topic{
		{Name: "payment.retry", Concurrency: 2, MaxRetries: 5, HandlerTimeout: 30 * time.Second,
			RateLimit: &redis.RateLimit{N: 10, Per: time.Second, Burst: 20}},
		{Name: "order.reminder", Concurrency: 4, MaxRetries: 3, HandlerTimeout: 30 * time.Second, GlobalConcurrency: 3},
	}
	for i, w := range want {
		if !reflect.DeepEqual(s.Topics[i], w) {
			t.Errorf("topic %d = %+v, want %+v", i, s.Topics[i], w)
		}
	}
	if s.DeadRetention != 48*time.Hour || s.CleanupInterval != 0 {
		t.Errorf("cleanup: retention %v interval %v", s.DeadRetention, s.CleanupInterval)
	}
}

func TestPeriodic(t *testing.T) {
	t.Parallel()
	cfg := config.NewFromMap(map[string]any{
		"worker": map[string]any{"periodic": " report.daily = 0 9 * * MON-FRI ;cache.refresh=@every 10m; "},
	})
	s, err := load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := []settings.Periodic{{"report.daily", "0 9 * * MON-FRI"}, {"cache.refresh", "@every 10m"}}
	if fmt.Sprint(s.Periodic) != fmt.Sprint(want) {
		t.Errorf("periodic = %+v, want %+v", s.Periodic, want)
	}
	if s, err := load(config.NewFromMap(nil)); err != nil || len(s.Periodic) != 0 {
		t.Errorf("default periodic = %+v, %v; want none", s.Periodic, err)
	}
}

// Every bad value is reported at once, each naming its key and variable.
func TestErrorsNameTheKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		values map[string]any
		want   []string
	}{
		{"zero concurrency", map[string]any{"worker.concurrency": 0}, []string{"worker.concurrency (WORKER_CONCURRENCY)", "out of range: want 1..10000"}},
		{"not a number", map[string]any{"worker.max_retries": "three"}, []string{"worker.max_retries", "not a valid integer"}},
		{"negative timeout", map[string]any{"worker.handler_timeout": "-1s"}, []string{"WORKER_HANDLER_TIMEOUT", "out of range: want 0s..24h0m0s"}},
		{"bad duration", map[string]any{"cleanup.dead_retention": "a week"}, []string{"cleanup.dead_retention", "not a valid duration"}},
		{"periodic without =", map[string]any{"worker.periodic": "report.daily @daily"}, []string{"worker.periodic (WORKER_PERIODIC)", `"report.daily @daily" is not <topic>=<schedule>`}},
		{"periodic topic", map[string]any{"worker.periodic": "bad topic=@daily"}, []string{"WORKER_PERIODIC", "invalid topic"}},
		{"periodic schedule", map[string]any{"worker.periodic": "a=@every 1ms"}, []string{"WORKER_PERIODIC", `schedule "@every 1ms"`}},
		{"periodic twice", map[string]any{"worker.periodic": "a=@daily;a=@daily"}, []string{"WORKER_PERIODIC", "listed twice"}},
		{"sub-second cleanup", map[string]any{"cleanup.interval": "500ms"}, []string{"cleanup.interval", "want 0 (off) or 1s..720h0m0s"}},
		{"unknown topic", map[string]any{"worker.topics": "order.reminder,nope"}, []string{"WORKER_TOPICS", `"nope" has no handler`}},
		{"invalid topic", map[string]any{"worker.topics": "bad topic"}, []string{"WORKER_TOPICS", "invalid topic"}},
		{"duplicate topic", map[string]any{"worker.topics": "order.reminder,order.reminder"}, []string{"listed twice"}},
		{"per-topic", map[string]any{"worker.topic_options.payment.retry.concurrency": -1},
			[]string{"worker.topic_options.payment.retry.concurrency", "out of range"}},
		{"rate limit", map[string]any{"worker.topic_options.payment.retry.rate_limit": "fast"},
			[]string{"worker.topic_options.payment.retry.rate_limit (WORKER_TOPIC_OPTIONS_PAYMENT_RETRY_RATE_LIMIT)", `"fast"`, "e.g. 50/s"}},
		{"rate limit bounds", map[string]any{"worker.topic_options.payment.retry.rate_limit": "5/48h"},
			[]string{"WORKER_TOPIC_OPTIONS_PAYMENT_RETRY_RATE_LIMIT", "PER must be 1ms to 24h0m0s"}},
		{"global concurrency", map[string]any{"worker.topic_options.order.reminder.global_concurrency": -1},
			[]string{"worker.topic_options.order.reminder.global_concurrency", "out of range"}},
		{"global concurrency bound", map[string]any{"worker.topic_options.order.reminder.global_concurrency": 100001},
			[]string{"worker.topic_options.order.reminder.global_concurrency", "out of range"}},
		{"log level", map[string]any{"log.level": "loud"}, []string{"log.level (LOG_LEVEL)", "not a valid level"}},
		{"log format", map[string]any{"log.format": "xml"}, []string{"log.format (LOG_FORMAT)", "not a valid format"}},
		{"bind address with a port", map[string]any{"app.host": "0.0.0.0:80"}, []string{"app.host (APP_HOST)", "not an IP address or host name"}},
		{"admin port equal to the app port", map[string]any{"admin.port": 8084}, []string{"admin.port (ADMIN_PORT)", "must differ from APP_PORT"}},
		{"admin host without a port", map[string]any{"admin.host": "10.0.0.1"}, []string{"admin.host (ADMIN_HOST)", "needs ADMIN_PORT"}},
		{"config package keys", map[string]any{"app.port": 70000}, []string{"app.port", "out of range: want 1..65535"}},
		{"several", map[string]any{"worker.concurrency": 0, "worker.max_retries": -2}, []string{"WORKER_CONCURRENCY", "WORKER_MAX_RETRIES"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := load(config.NewFromMap(tt.values))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestEnvNames(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"REDIS_HOST", "APP_PORT", "CONFIG_FILE", "WORKER_TOPICS", "WORKER_CONCURRENCY",
		"CLEANUP_DEAD_RETENTION", "WORKER_TOPIC_OPTIONS_PAYMENT_RETRY_MAX_RETRIES",
		"WORKER_TOPIC_OPTIONS_SMS_SEND_RATE_LIMIT", "WORKER_TOPIC_OPTIONS_SMS_SEND_GLOBAL_CONCURRENCY"} {
		if !settings.IsEnvName(name) {
			t.Errorf("IsEnvName(%q) = false", name)
		}
	}
	for _, name := range []string{"REDIS_HOSTNAME", "WORKER_TOPIC_OPTIONS__CONCURRENCY", "WORKER_TOPIC_OPTIONS_X_COLOR", "PORT"} {
		if settings.IsEnvName(name) {
			t.Errorf("IsEnvName(%q) = true", name)
		}
	}
	for _, key := range []string{"worker.topic_options.payment.retry.handler_timeout", "cleanup.interval", "redis.password"} {
		if !settings.IsKey(key) {
			t.Errorf("IsKey(%q) = false", key)
		}
	}
}

// The admin token is read from ADMIN_TOKEN (admin.token) and never
// printed: not in the startup log line, not by fmt.
func TestAdminTokenIsSecret(t *testing.T) {
	t.Parallel()
	const token = "tok-3f9a1c"
	s, err := load(config.NewFromMap(map[string]any{"admin.token": token + "\n"}))
	if err != nil {
		t.Fatal(err)
	}
	if s.AdminToken != token {
		t.Errorf("AdminToken = %q", string(s.AdminToken))
	}
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("starting", "config", s)
	for _, out := range []string{logged.String(), fmt.Sprintf("%v %+v %#v %s", s, *s, *s, s.AdminToken)} {
		if strings.Contains(out, token) {
			t.Errorf("token printed: %s", out)
		}
	}
	if !strings.Contains(logged.String(), `"admin_api":true`) {
		t.Errorf("log line does not say the admin API is on: %s", logged.String())
	}
	if !settings.IsEnvName("ADMIN_TOKEN") || !settings.IsKey("admin.token") {
		t.Error("ADMIN_TOKEN / admin.token not known")
	}
}

// A bad schedule is reported in the setting's words, without the library's
// "invalid option" prefix, which names an API the operator never called.
func TestPeriodicErrorNamesTheTopic(t *testing.T) {
	t.Parallel()
	_, err := load(config.NewFromMap(map[string]any{"worker.periodic": "report.daily=@every 1ms"}))
	if err == nil {
		t.Fatal("no error")
	}
	if msg := err.Error(); !strings.Contains(msg, `topic "report.daily": schedule "@every 1ms"`) || strings.Contains(msg, "invalid option") {
		t.Errorf("error %q: want the topic and schedule, without \"invalid option\"", msg)
	}
}

// APP_HOST and ADMIN_HOST are checked when the settings load, not when the
// listener opens: an IP address or a host name of RFC 1123 labels.
func TestBindHostChecked(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 64)
	for host, want := range map[string]string{
		"localhost": "", "10.0.0.1": "", "::1": "", "worker-1.internal": "", "worker.internal.": "",
		"a..b": "an empty label", ".a": "an empty label", "-a.b": "hyphen", "a.b-": "hyphen",
		long + ".b": "at most 63", strings.Repeat("a.", 127) + "ab": "at most 253", "a_b": `byte '_'`, "[::1]": `byte '['`,
	} {
		_, err := load(config.NewFromMap(map[string]any{"app.host": host}))
		switch {
		case want == "" && err != nil:
			t.Errorf("APP_HOST=%q refused: %v", host, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "APP_HOST")):
			t.Errorf("APP_HOST=%q: error %v, want one naming APP_HOST and containing %q", host, err, want)
		}
	}
}
