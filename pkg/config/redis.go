package config

import (
	"cmp"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
)

// RedisConfig describes how to reach Redis. It is filled by
// Config.GetRedisConfig from the environment and the YAML file, and consumed by
// redis.NewManager. The zero value means "nothing configured".
type RedisConfig struct {
	// URL is a redis:// or rediss:// URL (REDIS_URL). When set it wins over
	// Host, Port, Username, Password and DB, which GetRedisConfig fills from
	// it (see ParseURL), so consumers need not parse it again.
	URL string
	// Host and Port of a single Redis node (REDIS_HOST, REDIS_PORT).
	// Port defaults to 6379.
	Host string
	Port int
	// Username and Password for AUTH (REDIS_USERNAME, REDIS_PASSWORD).
	Username string
	Password string
	// DB is the database number (REDIS_DB). Defaults to 0.
	DB int
	// TLS turns on TLS for Host/Port and cluster/sentinel addresses
	// (REDIS_TLS). A rediss:// URL turns it on as well.
	TLS bool
	// TLSInsecureSkipVerify skips certificate verification (REDIS_TLS_INSECURE).
	TLSInsecureSkipVerify bool
	// TLSCAFile is a PEM file of CAs to trust (REDIS_TLS_CA_FILE).
	TLSCAFile string

	// ClusterAddrs selects Redis Cluster mode (REDIS_CLUSTER_ADDRS,
	// comma-separated host:port).
	ClusterAddrs []string
	// SentinelAddrs and SentinelMaster select Sentinel failover mode
	// (REDIS_SENTINEL_ADDRS, REDIS_SENTINEL_MASTER).
	SentinelAddrs  []string
	SentinelMaster string
	// SentinelPassword authenticates to the sentinels themselves
	// (REDIS_SENTINEL_PASSWORD).
	SentinelPassword string

	// Mode is "" (automatic) or "embedded" (REDIS_MODE). Embedded forces the
	// in-process Redis-compatible server. REDIS_MODE=auto is accepted and
	// comes out as "", so consumers only compare with "embedded".
	Mode string
	// EmbeddedAddr is where the embedded server listens (REDIS_EMBEDDED_ADDR).
	// Defaults to 127.0.0.1:6379.
	EmbeddedAddr string

	// DialTimeout, ReadTimeout and WriteTimeout bound each network step
	// (REDIS_DIAL_TIMEOUT, REDIS_READ_TIMEOUT, REDIS_WRITE_TIMEOUT).
	// Default to 5s, 3s and 3s.
	DialTimeout  time.Duration
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	// PoolSize is the connection pool size (REDIS_POOL_SIZE). Defaults to the
	// client library's default (10 per CPU).
	PoolSize int

	// Configured reports whether any Redis address setting (URL, host, port,
	// cluster or sentinel addresses) was given explicitly. When false the
	// service may fall back to a local or embedded Redis.
	Configured bool
}

// GetRedisConfig builds the Redis settings from the redis.* keys. A
// REDIS_URL fills URL and, from it, Host, Port, Username, Password, DB and
// TLS (rediss://), plus any timeout or pool_size given as a query parameter.
// Bad values fall back to defaults and are reported by Validate.
func (c *Config) GetRedisConfig() RedisConfig {
	rc := RedisConfig{
		URL:                   c.GetString("redis.url"),
		Host:                  c.GetString("redis.host"),
		Port:                  c.number(redisPort),
		Username:              c.GetString("redis.username"),
		Password:              c.GetString("redis.password"),
		DB:                    c.number(redisDB),
		TLS:                   c.GetBool("redis.tls"),
		TLSInsecureSkipVerify: c.GetBool("redis.tls_insecure"),
		TLSCAFile:             c.GetString("redis.tls_ca_file"),
		ClusterAddrs:          c.GetStringSlice("redis.cluster_addrs"),
		SentinelAddrs:         c.GetStringSlice("redis.sentinel_addrs"),
		SentinelMaster:        c.GetString("redis.sentinel_master"),
		SentinelPassword:      c.GetString("redis.sentinel_password"),
		EmbeddedAddr:          c.GetString("redis.embedded_addr"),
		DialTimeout:           c.duration(redisDialTimeout),
		ReadTimeout:           c.duration(redisReadTimeout),
		WriteTimeout:          c.duration(redisWriteTimeout),
		PoolSize:              c.number(redisPoolSize),
	}
	for _, k := range redisAddrKeys {
		if c.IsSet(k) {
			rc.Configured = true
		}
	}

	rc.Mode = must(c, "redis.mode", parseMode)

	if rc.URL != "" {
		u, err := get(c, "redis.url", parseRedisURL)
		if err != nil {
			c.record("redis.url", err)
			return rc
		}
		rc.Host, rc.Port, rc.DB = u.Host, u.Port, u.DB
		rc.Username, rc.Password = u.Username, u.Password
		rc.TLS = rc.TLS || u.TLS
		// Query parameters are more specific than REDIS_*_TIMEOUT.
		rc.DialTimeout = cmp.Or(u.DialTimeout, rc.DialTimeout)
		rc.ReadTimeout = cmp.Or(u.ReadTimeout, rc.ReadTimeout)
		rc.WriteTimeout = cmp.Or(u.WriteTimeout, rc.WriteTimeout)
		rc.PoolSize = cmp.Or(u.PoolSize, rc.PoolSize)
	}
	return rc
}

// number and duration read a setting of this package, recording a bad
// value for Validate.
func (c *Config) number(s Int) int {
	n, err := s.Get(c)
	if err != nil {
		c.record(s.Key, err)
	}
	return n
}

func (c *Config) duration(s Duration) time.Duration {
	d, err := s.Get(c)
	if err != nil {
		c.record(s.Key, err)
	}
	return d
}

// Redacted returns a copy with the passwords and the URL's password masked.
func (r RedisConfig) Redacted() RedisConfig {
	if r.Password != "" {
		r.Password = redactedMark
	}
	if r.SentinelPassword != "" {
		r.SentinelPassword = redactedMark
	}
	r.URL = redactURL(r.URL)
	r.ClusterAddrs = slices.Clone(r.ClusterAddrs)
	r.SentinelAddrs = slices.Clone(r.SentinelAddrs)
	return r
}

// plainRedisConfig has RedisConfig's fields without its methods, so the
// formatting methods below do not call themselves.
type plainRedisConfig RedisConfig

// String formats the redacted settings, so %v and %s never print a password.
func (r RedisConfig) String() string {
	return fmt.Sprintf("%+v", plainRedisConfig(r.Redacted()))
}

// GoString makes %#v redacted as well.
func (r RedisConfig) GoString() string {
	s := fmt.Sprintf("%#v", plainRedisConfig(r.Redacted()))
	return strings.Replace(s, "config.plainRedisConfig", "config.RedisConfig", 1)
}

// LogValue makes slog log the redacted settings, as a group of the fields
// that are set.
func (r RedisConfig) LogValue() slog.Value {
	r = r.Redacted()
	var attrs []slog.Attr
	add := func(key string, set bool, v slog.Value) {
		if set {
			attrs = append(attrs, slog.Attr{Key: key, Value: v})
		}
	}
	add("url", r.URL != "", slog.StringValue(r.URL))
	add("host", r.Host != "", slog.StringValue(r.Host))
	add("port", r.Port != 0, slog.IntValue(r.Port))
	add("username", r.Username != "", slog.StringValue(r.Username))
	add("password", r.Password != "", slog.StringValue(r.Password))
	add("db", r.DB != 0, slog.IntValue(r.DB))
	add("tls", r.TLS, slog.BoolValue(r.TLS))
	add("tls_insecure", r.TLSInsecureSkipVerify, slog.BoolValue(true))
	add("tls_ca_file", r.TLSCAFile != "", slog.StringValue(r.TLSCAFile))
	add("cluster_addrs", len(r.ClusterAddrs) > 0, slog.StringValue(strings.Join(r.ClusterAddrs, ",")))
	add("sentinel_addrs", len(r.SentinelAddrs) > 0, slog.StringValue(strings.Join(r.SentinelAddrs, ",")))
	add("sentinel_master", r.SentinelMaster != "", slog.StringValue(r.SentinelMaster))
	add("sentinel_password", r.SentinelPassword != "", slog.StringValue(r.SentinelPassword))
	add("mode", r.Mode != "", slog.StringValue(r.Mode))
	add("embedded_addr", r.EmbeddedAddr != "", slog.StringValue(r.EmbeddedAddr))
	add("dial_timeout", r.DialTimeout != 0, slog.StringValue(r.DialTimeout.String()))
	add("read_timeout", r.ReadTimeout != 0, slog.StringValue(r.ReadTimeout.String()))
	add("write_timeout", r.WriteTimeout != 0, slog.StringValue(r.WriteTimeout.String()))
	add("pool_size", r.PoolSize != 0, slog.IntValue(r.PoolSize))
	add("configured", true, slog.BoolValue(r.Configured))
	return slog.GroupValue(attrs...)
}
