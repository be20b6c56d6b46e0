// Package settings turns the configuration (environment and YAML, read by
// goweb/pkg/config) into the gateway worker's validated settings. It owns
// the service's keys, their defaults and their bounds; pkg/config owns the
// redis.* keys. Load validates everything once, before anything starts.
//
// The keys, besides redis.* (see pkg/config):
//
//	app:
//	  host: ""                 # APP_HOST, bind address; defaults to all interfaces
//	  port: 8084               # APP_PORT
//	admin:
//	  token: ...               # ADMIN_TOKEN, bearer token of the admin API (/v1); empty disables it
//	  host: ""                 # ADMIN_HOST, bind address of ADMIN_PORT
//	  port: 0                  # ADMIN_PORT; when set, /v1 and /dashboard are served there only
//	log: {level: info, format: json}   # LOG_LEVEL, LOG_FORMAT
//	shutdown: {timeout: 25s}   # SHUTDOWN_TIMEOUT
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
//	                           # WORKER_PERIODIC, <topic>=<schedule> pairs separated by ";"
//	cleanup:
//	  dead_retention: 168h     # CLEANUP_DEAD_RETENTION
//	  interval: 1h             # CLEANUP_INTERVAL; 0 disables
//	dispatch:                  # deliver topics to HTTP endpoints (docs/dispatch.md)
//	  routes:                  # DISPATCH_ROUTES="orders.created=http://orders:8080/hooks;b=https://b/hook"
//	    - topic: orders.created
//	      url: http://orders:8080/hooks/created
//	      method: POST         # POST (default), PUT or PATCH
//	      headers: {Authorization: "Bearer ${ORDERS_TOKEN}"}  # ${VAR} from the environment
//	      timeout: 30s         # the topic's default handler timeout, the request timeout
//	      signing_secrets: [whsec_...]  # several during a rotation; defaults to signing_secret
//	      body: data           # data (default) or envelope
//	      forward_headers: [x-tenant]   # message headers copied onto the request
//	  signing_secret: whsec_... # DISPATCH_SIGNING_SECRET, the default signing secret
//	  max_retry_after: 10m     # DISPATCH_MAX_RETRY_AFTER, cap of a Retry-After delay
//	  breaker_failures: 5      # DISPATCH_BREAKER_FAILURES, failures in a row that open a route's breaker
//	  breaker_cooldown: 30s    # DISPATCH_BREAKER_COOLDOWN, how long it stays open before a probe
//	redis:                     # besides pkg/config's redis.* keys
//	  wait_replicas: 0         # REDIS_WAIT_REPLICAS, replicas that must confirm each publish; 0: none
//	  wait_timeout: 1s         # REDIS_WAIT_TIMEOUT, how long a publish waits for them
//
// Every number has bounds (Ranges lists them). Load reports every bad value
// at once, each naming its key and environment variable.
package settings

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"goweb/pkg/config"
	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/dispatch"
)

// Settings are the service's settings, validated.
type Settings struct {
	// Host is the address the HTTP server binds (APP_HOST). Defaults to ""
	// (all interfaces).
	Host string
	// Port is the HTTP port (APP_PORT). Defaults to 8084.
	Port int
	// AdminHost and AdminPort are a second listener for the admin API (/v1)
	// and the dashboard (ADMIN_HOST, ADMIN_PORT); when AdminPort is set,
	// Port no longer serves them. AdminPort defaults to 0: both on Port.
	AdminHost string
	AdminPort int
	// AdminToken is the admin API's bearer token (ADMIN_TOKEN). Defaults to
	// empty: the API answers 403.
	AdminToken Secret
	// LogLevel and LogFormat (LOG_LEVEL, LOG_FORMAT). Default to info and
	// json.
	LogLevel  string
	LogFormat string
	// ShutdownTimeout is the time in-flight messages get after SIGTERM
	// (SHUTDOWN_TIMEOUT). Defaults to redis.DefaultShutdownTimeout (25s).
	ShutdownTimeout time.Duration
	// Concurrency, MaxRetries and HandlerTimeout are the worker-wide topic
	// settings (WORKER_CONCURRENCY, WORKER_MAX_RETRIES,
	// WORKER_HANDLER_TIMEOUT). Default to redis.DefaultConcurrency (10),
	// redis.DefaultMaxRetries (3) and 0 (no limit). Consume gives each
	// topic's effective values.
	Concurrency    int
	MaxRetries     int
	HandlerTimeout time.Duration
	// Periodic are the messages published on a schedule (WORKER_PERIODIC).
	// Defaults to none.
	Periodic []Periodic
	// DeadRetention is the age past which system.cleanup drops dead letters
	// (CLEANUP_DEAD_RETENTION). Defaults to 168h.
	DeadRetention time.Duration
	// CleanupInterval is how often a system.cleanup is scheduled
	// (CLEANUP_INTERVAL). Defaults to 1h; 0 disables.
	CleanupInterval time.Duration
	// Dispatch holds the routes (DISPATCH_ROUTES) and their defaults
	// (DISPATCH_SIGNING_SECRET, DISPATCH_MAX_RETRY_AFTER,
	// DISPATCH_BREAKER_*). Defaults to no routes.
	Dispatch dispatch.Config
	// WaitReplicas and WaitTimeout make every publish wait until that many
	// replicas confirm it (REDIS_WAIT_REPLICAS, REDIS_WAIT_TIMEOUT; see
	// redis.WithReplicaAck). Default to 0 (no waiting) and 1s.
	WaitReplicas int
	WaitTimeout  time.Duration

	cfg              *config.Config
	topics           []string // worker.topics; nil: every registered topic
	topicOptionNames []string // the per-topic options that are set
}

// Periodic is a message the worker publishes on a schedule.
type Periodic struct {
	Topic    string
	Schedule string // see redis.ParseSchedule
}

var (
	errLogLevel  = errors.New("not a valid level (want debug, info, warn or error)")
	errLogFormat = errors.New("not a valid format (want json or text)")
	errSamePort  = errors.New("must differ from APP_PORT")
	errAdminHost = errors.New("needs ADMIN_PORT")
)

// Load reads and validates the settings, pkg/config's redis.* keys
// included. It is the only place the configuration is validated. The
// topics and per-topic options are checked against the handlers by
// Consume.
func Load(cfg *config.Config) (*Settings, error) {
	r := &reader{cfg: cfg}
	if err := cfg.Validate(); err != nil {
		r.errs = append(r.errs, err)
	}
	s := &Settings{
		Host:            r.host(KeyHost),
		Port:            get(r, port),
		AdminHost:       r.host(KeyAdminHost),
		AdminPort:       get(r, adminPort),
		AdminToken:      Secret(strings.TrimSpace(r.scalar(KeyAdminToken))), // a token from a file often ends in a newline
		LogLevel:        r.text(KeyLogLevel, DefaultLogLevel, checkLevel),
		LogFormat:       r.text(KeyLogFormat, DefaultLogFormat, checkFormat),
		ShutdownTimeout: get(r, shutdownTimeout),
		Concurrency:     get(r, concurrency),
		MaxRetries:      get(r, maxRetries),
		HandlerTimeout:  get(r, handlerTimeout),
		Periodic:        r.periodic(),
		DeadRetention:   get(r, deadRetention),
		CleanupInterval: get(r, cleanupInterval),
		Dispatch:        r.dispatch(),
		cfg:             cfg,
		topics:          r.topicList(),
	}
	s.WaitReplicas, s.WaitTimeout = r.replicaAck()
	s.topicOptionNames = r.readTopicOptions()
	s.validate(r)
	if err := errors.Join(r.errs...); err != nil {
		return nil, err
	}
	return s, nil
}

// validate checks what involves more than one setting.
func (s *Settings) validate(r *reader) {
	if s.AdminPort != 0 && s.AdminPort == s.Port {
		r.fail(KeyAdminPort, "%d %v", s.AdminPort, errSamePort)
	}
	if s.AdminHost != "" && s.AdminPort == 0 {
		r.fail(KeyAdminHost, "%v", errAdminHost)
	}
}

// Addr is the public listen address, AdminAddr the admin one ("" when the
// admin API shares Addr).
func (s *Settings) Addr() string { return hostPort(s.Host, s.Port) }

// AdminAddr returns the admin listen address, or "" when there is none.
func (s *Settings) AdminAddr() string {
	if s.AdminPort == 0 {
		return ""
	}
	return hostPort(s.AdminHost, s.AdminPort)
}

func hostPort(host string, port int) string { return net.JoinHostPort(host, fmt.Sprint(port)) }

// reader collects every problem so an operator fixes them in one go.
type reader struct {
	cfg  *config.Config
	errs []error
}

func (r *reader) fail(key, format string, args ...any) {
	name := key
	if strings.Contains(key, ".") {
		name = key + " (" + config.EnvName(key) + ")"
	}
	r.errs = append(r.errs, fmt.Errorf("config: %s: %s", name, fmt.Sprintf(format, args...)))
}

// get reads a numeric setting, recording a bad value; it then returns the
// default.
func get[T int | time.Duration](r *reader, s config.Number[T]) T {
	v, err := s.Get(r.cfg)
	if err != nil {
		r.errs = append(r.errs, err)
	}
	return v
}

// scalar reads a setting that takes one value, recording a YAML list or
// mapping given for it; it then returns "".
func (r *reader) scalar(key string) string {
	v, err := r.cfg.GetStringE(key)
	if err != nil {
		r.errs = append(r.errs, err)
	}
	return v
}

func (r *reader) text(key, def string, check func(string) error) string {
	if !r.cfg.IsSet(key) {
		return def
	}
	v := strings.TrimSpace(r.scalar(key))
	if v == "" {
		return def // a list or mapping, recorded
	}
	if err := check(v); err != nil {
		r.fail(key, "%q: %v", v, err)
		return def
	}
	return v
}

// host reads a bind address: empty, an IP or a host name.
func (r *reader) host(key string) string {
	return r.text(key, "", func(h string) error {
		if net.ParseIP(h) != nil || h == "" {
			return nil
		}
		return checkHostName(h)
	})
}

// checkHostName accepts a DNS host name (RFC 1123): at most 253 bytes of
// dot-separated labels of 1 to 63 letters, digits and hyphens, no label
// starting or ending with a hyphen.
func checkHostName(h string) error {
	if len(h) > 253 {
		return fmt.Errorf("not an IP address or host name (%d bytes; a host name has at most 253)", len(h))
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		for _, c := range label {
			if !(c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				return fmt.Errorf("not an IP address or host name (byte %q); the port is APP_PORT or ADMIN_PORT", c)
			}
		}
		switch {
		case label == "":
			return fmt.Errorf("not an IP address or host name (an empty label in %q)", h)
		case len(label) > 63:
			return fmt.Errorf("not an IP address or host name (label %.20q... is %d bytes; at most 63)", label, len(label))
		case label[0] == '-' || label[len(label)-1] == '-':
			return fmt.Errorf("not an IP address or host name (label %q starts or ends with a hyphen)", label)
		}
	}
	return nil
}

func checkLevel(s string) error {
	if !logger.ValidLevel(s) {
		return errLogLevel
	}
	return nil
}

func checkFormat(s string) error {
	switch strings.ToLower(s) {
	case "json", "text":
		return nil
	}
	return errLogFormat
}

// topicList reads worker.topics: valid names, each once. nil when unset.
func (r *reader) topicList() []string {
	if !r.cfg.IsSet(KeyTopics) {
		return nil
	}
	out := []string{}
	for _, name := range r.cfg.GetStringSlice(KeyTopics) {
		switch err := redis.ValidateTopic(name); {
		case err != nil:
			r.fail(KeyTopics, "%v", err)
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
	for _, entry := range strings.Split(r.scalar(KeyPeriodic), ";") {
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
			// The library's "invalid option: " prefix names its own API,
			// not this setting.
			r.fail(KeyPeriodic, "topic %q: %s", p.Topic, strings.TrimPrefix(err.Error(), redis.ErrInvalidOption.Error()+": "))
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
