package config

import (
	"errors"
	"maps"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The numeric redis.* settings. The bounds are generous but finite: a
// pool_size of a billion would allocate gigabytes inside the client.
var (
	redisPort         = Int{Key: "redis.port", Default: 6379, Min: 1, Max: 65535}
	redisDB           = Int{Key: "redis.db", Min: 0, Max: 65535}
	redisPoolSize     = Int{Key: "redis.pool_size", Min: 0, Max: 10_000}
	redisDialTimeout  = Duration{Key: "redis.dial_timeout", Default: 5 * time.Second, Max: 10 * time.Minute}
	redisReadTimeout  = Duration{Key: "redis.read_timeout", Default: 3 * time.Second, Max: 10 * time.Minute}
	redisWriteTimeout = Duration{Key: "redis.write_timeout", Default: 3 * time.Second, Max: 10 * time.Minute}
)

// knownKeys are the settings this package defines: the redis.* keys. Each
// maps to an environment variable by EnvName: redis.tls_ca_file is
// REDIS_TLS_CA_FILE.
var knownKeys = []string{
	"redis.url",
	"redis.host",
	"redis.port",
	"redis.username",
	"redis.password",
	"redis.db",
	"redis.tls",
	"redis.tls_insecure",
	"redis.tls_ca_file",
	"redis.cluster_addrs",
	"redis.sentinel_addrs",
	"redis.sentinel_master",
	"redis.sentinel_password",
	"redis.mode",
	"redis.embedded_addr",
	"redis.dial_timeout",
	"redis.read_timeout",
	"redis.write_timeout",
	"redis.pool_size",
}

// listKeys are the knownKeys that take a list; every other takes one value.
var listKeys = []string{"redis.cluster_addrs", "redis.sentinel_addrs"}

var (
	errMode        = errors.New(`not a valid mode (want "", "auto" or "embedded")`)
	errNoMaster    = errors.New("required when REDIS_SENTINEL_ADDRS is set")
	errClusterAndS = errors.New("cannot be combined with REDIS_CLUSTER_ADDRS")
)

// Validate reports every problem found in the configuration, joined with
// errors.Join, or nil. It covers the file (unreadable, bad YAML), the
// redis.* keys (type, range, format, combinations) and any bad value a
// getter has met since. Each value problem is a *ValueError naming the key,
// where it came from and the (redacted) value. It opens REDIS_TLS_CA_FILE,
// if set, to catch a missing file at startup rather than at first connect.
func (c *Config) Validate() error {
	found := map[string]error{}
	check := func(key string, err error) {
		if _, dup := found[key]; err != nil && !dup {
			found[key] = err
		}
	}

	for _, k := range knownKeys {
		if v, src, ok := c.lookup(k); ok && (v.mapping || v.list != nil && !slices.Contains(listKeys, k)) {
			check(k, c.valueError(k, src, v, v.scalar()))
		}
	}
	for _, s := range []Int{redisPort, redisDB, redisPoolSize} {
		_, err := s.Get(c)
		check(s.Key, err)
	}
	for _, s := range []Duration{redisDialTimeout, redisReadTimeout, redisWriteTimeout} {
		_, err := s.Get(c)
		check(s.Key, err)
	}
	for _, k := range []string{"redis.tls", "redis.tls_insecure"} {
		check(k, checkValue(c, k, parseBool, nil))
	}
	for _, k := range listKeys {
		check(k, checkValue(c, k, parseAddrs, nil))
	}
	check("redis.url", checkValue(c, "redis.url", parseRedisURL, nil))
	check("redis.mode", checkValue(c, "redis.mode", parseMode, nil))
	check("redis.embedded_addr", checkValue(c, "redis.embedded_addr", parseListenAddr, nil))
	check("redis.tls_ca_file", checkValue(c, "redis.tls_ca_file", parseReadableFile, nil))
	for k, err := range c.urlConflicts() {
		check(k, err)
	}
	check("redis.mode", c.embeddedConflict())

	if c.IsSet("redis.sentinel_addrs") {
		if !c.IsSet("redis.sentinel_master") {
			check("redis.sentinel_master", &ValueError{Key: "redis.sentinel_master", Err: errNoMaster})
		}
		if c.IsSet("redis.cluster_addrs") {
			v, src, _ := c.lookup("redis.sentinel_addrs")
			check("redis.sentinel_addrs", c.valueError("redis.sentinel_addrs", src, v, errClusterAndS))
		}
	}

	c.mu.Lock()
	for k, err := range c.errs {
		check(k, err)
	}
	c.mu.Unlock()

	errs := []error{c.loadErr} // Join drops it when nil
	for _, k := range slices.Sorted(maps.Keys(found)) {
		errs = append(errs, found[k])
	}
	return errors.Join(errs...)
}

// urlConflicts refuses a REDIS_HOST or REDIS_PORT that names another server
// than REDIS_URL: the URL used to win silently, so the operator believed one
// and got the other. Agreeing values are fine (a compose file and a secret
// may both say it).
func (c *Config) urlConflicts() map[string]error {
	if !c.IsSet("redis.url") {
		return nil
	}
	u, err := parseRedisURL(c.GetString("redis.url"))
	if err != nil {
		return nil // reported as redis.url
	}
	out := map[string]error{}
	conflict := func(key, got, fromURL string) {
		v, src, _ := c.lookup(key)
		if c.IsSet(key) && strings.TrimSpace(got) != fromURL {
			out[key] = c.valueError(key, src, v, &ConflictError{With: EnvName("redis.url"), Value: fromURL})
		}
	}
	conflict("redis.host", c.GetString("redis.host"), u.Host)
	conflict("redis.port", c.GetString("redis.port"), strconv.Itoa(u.Port))
	return out
}

// redisAddrKeys are the settings that configure a Redis explicitly: any of
// them set means the operator chose a server, so the worker never falls
// back to another one.
var redisAddrKeys = []string{"redis.url", "redis.host", "redis.port", "redis.cluster_addrs", "redis.sentinel_addrs"}

// embeddedConflict refuses REDIS_MODE=embedded next to a configured Redis:
// it used to start the in-memory server with only a warning, so messages
// meant for that Redis were lost on exit.
func (c *Config) embeddedConflict() error {
	mode, err := parseMode(c.GetString("redis.mode"))
	if err != nil || mode != "embedded" {
		return nil // a bad mode is reported as such
	}
	for _, k := range redisAddrKeys {
		if c.IsSet(k) {
			v, src, _ := c.lookup("redis.mode")
			return c.valueError("redis.mode", src, v, &ConflictError{With: EnvName(k), Value: redactURL(c.GetString(k))})
		}
	}
	return nil
}

// ConflictError is the reason of a *ValueError for a setting that
// contradicts another one.
type ConflictError struct {
	// With is the other setting's variable, Value what it says instead.
	With, Value string
}

func (e *ConflictError) Error() string {
	return "conflicts with " + e.With + ", which says " + strconv.Quote(e.Value) + ": set one of them"
}

// checkValue parses key's value and applies rule; either failing comes back
// as a *ValueError. An unset key passes.
func checkValue[T any](c *Config, key string, parse func(string) (T, error), rule func(T) error) error {
	v, src, ok := c.lookup(key)
	if !ok {
		return nil
	}
	t, err := parse(v.text)
	if err == nil && rule != nil {
		err = rule(t)
	}
	if err != nil {
		return c.valueError(key, src, v, err)
	}
	return nil
}

// parseMode normalizes REDIS_MODE: "auto" is the same as "", so consumers
// only ever compare with "embedded".
func parseMode(s string) (string, error) {
	switch m := strings.ToLower(strings.TrimSpace(s)); m {
	case "", "auto":
		return "", nil
	case "embedded":
		return m, nil
	}
	return "", errMode
}

func parseListenAddr(s string) (string, error) {
	return s, checkAddr(strings.TrimSpace(s), false)
}

func parseReadableFile(s string) (string, error) {
	f, err := os.Open(s)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return "", errors.New("is a directory")
	}
	return s, nil
}

// KnownKeys returns the dotted keys this package defines and validates, in
// a new slice. Programs add their own keys on top (the service's app.*,
// worker.* and so on).
func KnownKeys() []string { return slices.Clone(knownKeys) }

// Ranges returns the bounds of this package's numeric settings, for tests
// that run over every numeric setting.
func Ranges() []Range {
	return []Range{
		redisPort.Range(), redisDB.Range(), redisPoolSize.Range(),
		redisDialTimeout.Range(), redisReadTimeout.Range(), redisWriteTimeout.Range(),
	}
}

// splitHostPortNumber splits go-redis' "host:port" address.
func splitHostPortNumber(addr string) (string, int) {
	host, p, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(p)
	return host, n
}
