package config

import (
	"errors"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"goweb/pkg/logger"
)

// knownKeys are the settings the project defines. Each maps to an
// environment variable by EnvName: redis.tls_ca_file is REDIS_TLS_CA_FILE.
var knownKeys = []string{
	"app.port",
	"log.level",
	"log.format",
	"shutdown.timeout",
	"worker.topics",
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

var (
	errPort        = errors.New("not a valid port (want 1..65535)")
	errNegative    = errors.New("must not be negative")
	errMode        = errors.New(`not a valid mode (want "", "auto" or "embedded")`)
	errLogLevel    = errors.New("not a valid level (want debug, info, warn or error)")
	errLogFormat   = errors.New("not a valid format (want json or text)")
	errNoMaster    = errors.New("required when REDIS_SENTINEL_ADDRS is set")
	errClusterAndS = errors.New("cannot be combined with REDIS_CLUSTER_ADDRS")
)

// Validate reports every problem found in the configuration, joined with
// errors.Join, or nil. It covers the file (unreadable, bad YAML), the
// well-known keys (type, range, format, combinations) and any bad value a
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

	for _, k := range []string{"app.port", "redis.port"} {
		check(k, checkValue(c, k, parseInt, port))
	}
	for _, k := range []string{"redis.db", "redis.pool_size"} {
		check(k, checkValue(c, k, parseInt, nonNegative[int]))
	}
	for _, k := range []string{"shutdown.timeout", "redis.dial_timeout", "redis.read_timeout", "redis.write_timeout"} {
		check(k, checkValue(c, k, parseDuration, nonNegative[time.Duration]))
	}
	for _, k := range []string{"redis.tls", "redis.tls_insecure"} {
		check(k, checkValue(c, k, parseBool, nil))
	}
	for _, k := range []string{"redis.cluster_addrs", "redis.sentinel_addrs"} {
		check(k, checkValue(c, k, parseAddrs, nil))
	}
	check("redis.url", checkValue(c, "redis.url", parseRedisURL, nil))
	check("redis.mode", checkValue(c, "redis.mode", parseMode, nil))
	check("redis.embedded_addr", checkValue(c, "redis.embedded_addr", parseListenAddr, nil))
	check("redis.tls_ca_file", checkValue(c, "redis.tls_ca_file", parseReadableFile, nil))
	check("log.level", checkValue(c, "log.level", parseLevel, nil))
	check("log.format", checkValue(c, "log.format", parseFormat, nil))

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

func port(n int) error {
	if n < 1 || n > 65535 {
		return errPort
	}
	return nil
}

func nonNegative[T int | time.Duration](n T) error {
	if n < 0 {
		return errNegative
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

func parseLevel(s string) (string, error) {
	if !logger.ValidLevel(s) {
		return "", errLogLevel
	}
	return s, nil
}

func parseFormat(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "json", "text":
		return s, nil
	}
	return "", errLogFormat
}

// KnownKeys returns the dotted keys this package defines and validates, in
// a new slice. Programs add their own keys on top (the service's worker.*).
func KnownKeys() []string { return slices.Clone(knownKeys) }
