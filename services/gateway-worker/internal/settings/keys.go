package settings

import (
	"errors"
	"slices"
	"time"

	"goweb/pkg/config"
	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/dispatch"
)

// Keys of the service's own settings. pkg/config owns the redis.* keys.
const (
	KeyHost            = "app.host"
	KeyPort            = "app.port"
	KeyAdminHost       = "admin.host"
	KeyAdminPort       = "admin.port"
	KeyAdminToken      = "admin.token"
	KeyLogLevel        = "log.level"
	KeyLogFormat       = "log.format"
	KeyShutdownTimeout = "shutdown.timeout"
	KeyTopics          = "worker.topics"
	KeyConcurrency     = "worker.concurrency"
	KeyMaxRetries      = "worker.max_retries"
	KeyHandlerTimeout  = "worker.handler_timeout"
	KeyTopicOptions    = "worker.topic_options"
	KeyPeriodic        = "worker.periodic"
	KeyDeadRetention   = "cleanup.dead_retention"
	KeyCleanupInterval = "cleanup.interval"

	KeyDispatchRoutes          = "dispatch.routes"
	KeyDispatchSigningSecret   = "dispatch.signing_secret"
	KeyDispatchMaxRetryAfter   = "dispatch.max_retry_after"
	KeyDispatchBreakerFailures = "dispatch.breaker_failures"
	KeyDispatchBreakerCooldown = "dispatch.breaker_cooldown"

	// Publishes that survive a failover (redis.WithDefaultReplicaAck).
	KeyWaitReplicas = "redis.wait_replicas"
	KeyWaitTimeout  = "redis.wait_timeout"
)

// DefaultWaitTimeout is how long a publish waits for REDIS_WAIT_REPLICAS
// replicas by default.
const DefaultWaitTimeout = time.Second

// Defaults of the text settings; the numeric ones carry theirs below.
const (
	DefaultLogLevel  = "info"
	DefaultLogFormat = "json"
)

// Upper bounds of the worker's numbers: far above any sane use, far below
// what would exhaust memory (WORKER_CONCURRENCY=1000000000 once ran for
// five minutes and died allocating 40 GB).
const (
	MaxConcurrency    = redis.MaxConcurrency
	MaxMaxRetries     = 1_000
	MaxHandlerTimeout = 24 * time.Hour
	MaxShutdown       = time.Hour
)

// The numeric settings: key, default and bounds, in one place.
var (
	port            = config.Int{Key: KeyPort, Default: 8084, Min: 1, Max: 65535}
	adminPort       = config.Int{Key: KeyAdminPort, ZeroOff: true, Min: 1, Max: 65535}
	shutdownTimeout = config.Duration{Key: KeyShutdownTimeout, Default: redis.DefaultShutdownTimeout, Max: MaxShutdown}
	concurrency     = config.Int{Key: KeyConcurrency, Default: redis.DefaultConcurrency, Min: 1, Max: MaxConcurrency}
	maxRetries      = config.Int{Key: KeyMaxRetries, Default: redis.DefaultMaxRetries, Min: 0, Max: MaxMaxRetries}
	handlerTimeout  = config.Duration{Key: KeyHandlerTimeout, Max: MaxHandlerTimeout}
	deadRetention   = config.Duration{Key: KeyDeadRetention, Default: 7 * 24 * time.Hour, Min: time.Millisecond, Max: 10 * 365 * 24 * time.Hour}
	cleanupInterval = config.Duration{Key: KeyCleanupInterval, Default: time.Hour, ZeroOff: true, Min: time.Second, Max: 30 * 24 * time.Hour}
	maxRetryAfter   = config.Duration{Key: KeyDispatchMaxRetryAfter, Default: dispatch.DefaultMaxRetryAfter, Min: time.Second, Max: 24 * time.Hour}
	breakerFailures = config.Int{Key: KeyDispatchBreakerFailures, Default: dispatch.DefaultBreakerFailures, Min: 1, Max: 1000}
	breakerCooldown = config.Duration{Key: KeyDispatchBreakerCooldown, Default: dispatch.DefaultBreakerCooldown, Min: 100 * time.Millisecond, Max: time.Hour}
	waitReplicas    = config.Int{Key: KeyWaitReplicas, Min: 0, Max: redis.MaxReplicaAck}
	// 0 is accepted only while waitReplicas is 0 (see replicaAck), as
	// redis.WithReplicaAck does.
	waitTimeout = config.Duration{Key: KeyWaitTimeout, Default: DefaultWaitTimeout, Min: time.Millisecond, Max: redis.MaxReplicaAckTimeout, ZeroOff: true}
)

// Per-topic options: worker.topic_options.<topic>.<option>, bounded like
// the worker-wide setting of the same name.
const (
	OptConcurrency    = "concurrency"
	OptMaxRetries     = "max_retries"
	OptHandlerTimeout = "handler_timeout"
	// Flow control across all processes: redis.ParseRateLimit's syntax,
	// and 0 (none) to redis.MaxGlobalConcurrency.
	OptRateLimit         = "rate_limit"
	OptGlobalConcurrency = "global_concurrency"
)

var topicOptions = []string{OptConcurrency, OptMaxRetries, OptHandlerTimeout, OptRateLimit, OptGlobalConcurrency}

func topicKey(topic, opt string) string { return KeyTopicOptions + "." + topic + "." + opt }

func topicInt(topic, opt string, def int) config.Int {
	s := concurrency
	if opt == OptMaxRetries {
		s = maxRetries
	}
	s.Key, s.Default = topicKey(topic, opt), def
	return s
}

func topicGlobalConcurrency(topic string) config.Int {
	return config.Int{Key: topicKey(topic, OptGlobalConcurrency), ZeroOff: true, Min: 1, Max: redis.MaxGlobalConcurrency}
}

func topicDuration(topic string, def time.Duration) config.Duration {
	s := handlerTimeout
	s.Key, s.Default = topicKey(topic, OptHandlerTimeout), def
	return s
}

// keys lists every setting the service reads except the per-topic ones:
// pkg/config's and the service's own.
var keys = append(config.KnownKeys(),
	KeyHost, KeyPort, KeyAdminHost, KeyAdminPort, KeyAdminToken, KeyLogLevel, KeyLogFormat, KeyShutdownTimeout,
	KeyTopics, KeyConcurrency, KeyMaxRetries, KeyHandlerTimeout, KeyPeriodic, KeyDeadRetention, KeyCleanupInterval,
	KeyDispatchRoutes, KeyDispatchSigningSecret, KeyDispatchMaxRetryAfter, KeyDispatchBreakerFailures, KeyDispatchBreakerCooldown,
	KeyWaitReplicas, KeyWaitTimeout,
)

// Keys returns the dotted keys the service reads, per-topic options aside.
func Keys() []string { return slices.Clone(keys) }

// Ranges returns the bounds of every numeric setting, pkg/config's
// included, with the per-topic options of topic, for tests that run over
// every numeric setting.
func Ranges(topic string) []config.Range {
	return append(config.Ranges(),
		port.Range(), adminPort.Range(), shutdownTimeout.Range(), concurrency.Range(), maxRetries.Range(),
		handlerTimeout.Range(), deadRetention.Range(), cleanupInterval.Range(),
		maxRetryAfter.Range(), breakerFailures.Range(), breakerCooldown.Range(), waitReplicas.Range(), waitTimeout.Range(),
		topicInt(topic, OptConcurrency, 0).Range(), topicInt(topic, OptMaxRetries, 0).Range(),
		topicDuration(topic, 0).Range(), topicGlobalConcurrency(topic).Range(),
	)
}

// EnvNames returns the environment variables the service reads, sorted.
// Per-topic options are read too; see IsEnvName.
func EnvNames() []string {
	names := []string{"CONFIG_FILE"}
	for _, k := range keys {
		names = append(names, config.EnvName(k))
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// IsKey reports whether the service reads the dotted key, as written in a
// YAML file: one of the known keys or worker.topic_options.<topic>.<option>.
func IsKey(key string) bool {
	if slices.Contains(keys, key) {
		return true
	}
	_, _, err := splitTopicOption(key)
	return err == nil
}

// IsEnvName reports whether the service reads the environment variable
// name: one of EnvNames, or a per-topic option such as
// WORKER_TOPIC_OPTIONS_PAYMENT_RETRY_CONCURRENCY.
func IsEnvName(name string) bool {
	if slices.Contains(EnvNames(), name) {
		return true
	}
	_, _, err := splitTopicOption(name)
	return err == nil
}

// ReplicaAck reads REDIS_WAIT_REPLICAS and REDIS_WAIT_TIMEOUT alone, within
// their bounds, for the commands that publish without loading every
// setting: they wait for replicas as the server does.
func ReplicaAck(cfg *config.Config) (replicas int, timeout time.Duration, err error) {
	r := &reader{cfg: cfg}
	replicas, timeout = r.replicaAck()
	return replicas, timeout, errors.Join(r.errs...)
}

// replicaAck reads REDIS_WAIT_REPLICAS and REDIS_WAIT_TIMEOUT: a timeout of
// 0 is refused only when there are replicas to wait for (WAIT 0 would
// block for ever).
func (r *reader) replicaAck() (int, time.Duration) {
	replicas, timeout := get(r, waitReplicas), get(r, waitTimeout)
	if replicas > 0 && timeout == 0 {
		r.fail(KeyWaitTimeout, "0 with %s=%d: want %v..%v, the longest a publish waits for the replicas",
			config.EnvName(KeyWaitReplicas), replicas, waitTimeout.Min, waitTimeout.Max)
	}
	return replicas, timeout
}
