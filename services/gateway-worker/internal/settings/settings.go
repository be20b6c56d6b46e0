// Package settings turns the configuration (environment and YAML, read by
// goweb/pkg/config) into the gateway worker's validated settings.
//
// Besides the keys pkg/config documents (app.port, log.*, shutdown.timeout,
// redis.*, worker.topics), the worker reads:
//
//	worker:
//	  topics: [order.reminder, payment.retry]  # WORKER_TOPICS=a,b; defaults to every registered topic
//	  concurrency: 10          # WORKER_CONCURRENCY, handlers at once per topic
//	  max_retries: 3           # WORKER_MAX_RETRIES, retries before dead-lettering
//	  handler_timeout: 0s      # WORKER_HANDLER_TIMEOUT, 0 means no limit
//	  topic_options:           # per topic, overriding the three above
//	    payment.retry:
//	      concurrency: 2       # WORKER_TOPIC_OPTIONS_PAYMENT_RETRY_CONCURRENCY
//	      max_retries: 5
//	      handler_timeout: 10s
//	  periodic: "report.daily=0 9 * * MON-FRI; cache.refresh=@every 10m"
//	                           # WORKER_PERIODIC, <topic>=<schedule> pairs separated by ";":
//	                           # publishes {"schedule": "<schedule>"} to each topic at every tick,
//	                           # once per tick across replicas (redis.ParseSchedule gives the syntax)
//	cleanup:
//	  dead_retention: 168h     # CLEANUP_DEAD_RETENTION, age after which system.cleanup drops dead letters
//	  interval: 1h             # CLEANUP_INTERVAL, how often a system.cleanup is scheduled; 0 disables
//	admin:
//	  token: ...               # ADMIN_TOKEN, bearer token of the admin API (/v1); empty disables it
//
// Load reports every bad value at once, each naming its key and
// environment variable.
package settings

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"goweb/pkg/config"
	"goweb/pkg/redis"
)

// Defaults of the worker's own keys.
const (
	DefaultDeadRetention   = 7 * 24 * time.Hour
	DefaultCleanupInterval = time.Hour
)

// Keys of the worker's own settings.
const (
	KeyTopics          = "worker.topics"
	KeyConcurrency     = "worker.concurrency"
	KeyMaxRetries      = "worker.max_retries"
	KeyHandlerTimeout  = "worker.handler_timeout"
	KeyTopicOptions    = "worker.topic_options"
	KeyPeriodic        = "worker.periodic"
	KeyDeadRetention   = "cleanup.dead_retention"
	KeyCleanupInterval = "cleanup.interval"
	KeyAdminToken      = "admin.token"
)

// Topic is how one topic is consumed.
type Topic struct {
	Name           string
	Concurrency    int
	MaxRetries     int
	HandlerTimeout time.Duration // 0: no limit
}

// SubscribeOptions returns the topic's settings as queue options.
func (t Topic) SubscribeOptions() []redis.SubscribeOption {
	opts := []redis.SubscribeOption{redis.WithConcurrency(t.Concurrency), redis.WithMaxRetries(t.MaxRetries)}
	if t.HandlerTimeout > 0 {
		opts = append(opts, redis.WithHandlerTimeout(t.HandlerTimeout))
	}
	return opts
}

// Periodic is a message the worker publishes on a schedule.
type Periodic struct {
	Topic    string
	Schedule string // see redis.ParseSchedule
}

// Settings are the worker's effective settings.
type Settings struct {
	Port            int
	LogLevel        string
	LogFormat       string
	ShutdownTimeout time.Duration
	Topics          []Topic
	Periodic        []Periodic
	DeadRetention   time.Duration
	CleanupInterval time.Duration
	AdminToken      Secret             // empty: the admin API is disabled
	Redis           config.RedisConfig // the Redis the app chose (app.New fills it), for the start-up log
}

// Secret is a setting never to be printed: fmt and slog show it masked.
type Secret string

func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "xxxxx"
}

// GoString masks %#v too.
func (s Secret) GoString() string { return `"` + s.String() + `"` }

// LogValue masks it in slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// TopicNames returns the names of the consumed topics, in order.
func (s *Settings) TopicNames() []string {
	names := make([]string, len(s.Topics))
	for i, t := range s.Topics {
		names[i] = t.Name
	}
	return names
}

// Load reads and validates the settings. registered lists the topics that
// have a handler: they are the default topic list, and worker.topics may
// name only those.
func Load(cfg *config.Config, registered []string) (*Settings, error) {
	r := reader{cfg: cfg}
	if err := cfg.Validate(); err != nil {
		r.errs = append(r.errs, err)
	}
	s := &Settings{
		Port:            cfg.GetInt("app.port"),
		LogLevel:        cfg.GetString("log.level"),
		LogFormat:       cfg.GetString("log.format"),
		ShutdownTimeout: cfg.GetDuration("shutdown.timeout"),
		DeadRetention:   readValue(&r, KeyDeadRetention, DefaultDeadRetention, cfg.GetDurationE, atLeast(time.Millisecond)),
		CleanupInterval: readValue(&r, KeyCleanupInterval, DefaultCleanupInterval, cfg.GetDurationE, zeroOrAtLeast(time.Second)),
		// A token from a file or a secret often ends in a newline.
		AdminToken: Secret(strings.TrimSpace(cfg.GetString(KeyAdminToken))),
	}
	def := Topic{
		Concurrency:    readValue(&r, KeyConcurrency, redis.DefaultConcurrency, cfg.GetIntE, atLeast(1)),
		MaxRetries:     readValue(&r, KeyMaxRetries, redis.DefaultMaxRetries, cfg.GetIntE, atLeast(0)),
		HandlerTimeout: readValue(&r, KeyHandlerTimeout, 0, cfg.GetDurationE, atLeast(time.Duration(0))),
	}
	s.Periodic = r.periodic()
	for _, name := range r.topics(registered) {
		t := def
		t.Name = name
		key := func(opt string) string { return KeyTopicOptions + "." + name + "." + opt }
		t.Concurrency = readValue(&r, key("concurrency"), t.Concurrency, cfg.GetIntE, atLeast(1))
		t.MaxRetries = readValue(&r, key("max_retries"), t.MaxRetries, cfg.GetIntE, atLeast(0))
		t.HandlerTimeout = readValue(&r, key("handler_timeout"), t.HandlerTimeout, cfg.GetDurationE, atLeast(time.Duration(0)))
		s.Topics = append(s.Topics, t)
	}
	if err := errors.Join(r.errs...); err != nil {
		return nil, err
	}
	return s, nil
}

// reader collects every problem so an operator fixes them in one go.
type reader struct {
	cfg  *config.Config
	errs []error
}

func (r *reader) fail(key, format string, args ...any) {
	r.errs = append(r.errs, fmt.Errorf("config: %s (%s): %s", key, config.EnvName(key), fmt.Sprintf(format, args...)))
}

func (r *reader) topics(registered []string) []string {
	if !r.cfg.IsSet(KeyTopics) {
		return registered
	}
	var out []string
	for _, name := range r.cfg.GetStringSlice(KeyTopics) {
		switch {
		case redis.ValidateTopic(name) != nil:
			r.fail(KeyTopics, "%v", redis.ValidateTopic(name))
		case !slices.Contains(registered, name):
			r.fail(KeyTopics, "topic %q has no handler (registered: %s)", name, strings.Join(registered, ", "))
		case slices.Contains(out, name):
			r.fail(KeyTopics, "topic %q is listed twice", name)
		default:
			out = append(out, name)
		}
	}
	if len(out) == 0 && len(r.errs) == 0 {
		r.fail(KeyTopics, "no topics to consume")
	}
	return out
}

// periodic reads worker.periodic: <topic>=<schedule> pairs separated by
// semicolons (schedules contain spaces and commas).
func (r *reader) periodic() []Periodic {
	var out []Periodic
	for _, entry := range strings.Split(r.cfg.GetString(KeyPeriodic), ";") {
		if entry = strings.TrimSpace(entry); entry == "" {
			continue
		}
		topic, spec, ok := strings.Cut(entry, "=")
		p := Periodic{Topic: strings.TrimSpace(topic), Schedule: strings.TrimSpace(spec)}
		if !ok {
			r.fail(KeyPeriodic, "%q is not <topic>=<schedule>", entry)
			continue
		}
		if err := redis.ValidateTopic(p.Topic); err != nil {
			r.fail(KeyPeriodic, "%v", err)
			continue
		}
		if _, err := redis.ParseSchedule(p.Schedule); err != nil {
			r.fail(KeyPeriodic, "%v", err)
			continue
		}
		if slices.Contains(out, p) {
			r.fail(KeyPeriodic, "%q is listed twice", entry)
			continue
		}
		out = append(out, p)
	}
	return out
}

// readValue returns key's value, or def when it is not set or is bad (a
// bad value is recorded in r).
func readValue[T int | time.Duration](r *reader, key string, def T, get func(string) (T, error), check func(T) string) T {
	if !r.cfg.IsSet(key) {
		return def
	}
	v, err := get(key)
	if err != nil {
		r.errs = append(r.errs, err)
		return def
	}
	if problem := check(v); problem != "" {
		r.fail(key, "%v %s", v, problem)
		return def
	}
	return v
}

func atLeast[T int | time.Duration](low T) func(T) string {
	return func(v T) string {
		if v < low {
			return fmt.Sprintf("must be at least %v", low)
		}
		return ""
	}
}

func zeroOrAtLeast(low time.Duration) func(time.Duration) string {
	return func(v time.Duration) string {
		if v != 0 && v < low {
			return fmt.Sprintf("must be 0 (off) or at least %v", low)
		}
		return ""
	}
}

// LogValue logs the settings with secrets redacted (RedisConfig redacts
// itself).
func (s *Settings) LogValue() slog.Value {
	topics := make([]any, len(s.Topics))
	for i, t := range s.Topics {
		topics[i] = slog.Group(t.Name, "concurrency", t.Concurrency, "max_retries", t.MaxRetries, "handler_timeout", t.HandlerTimeout.String())
	}
	return slog.GroupValue(
		slog.Int("port", s.Port),
		slog.String("log_level", s.LogLevel),
		slog.String("log_format", s.LogFormat),
		slog.String("shutdown_timeout", s.ShutdownTimeout.String()),
		slog.String("dead_retention", s.DeadRetention.String()),
		slog.String("cleanup_interval", s.CleanupInterval.String()),
		slog.Bool("admin_api", s.AdminToken != ""),
		slog.Group("topics", topics...),
		slog.Any("periodic", s.Periodic),
		slog.Any("redis", s.Redis),
	)
}
