// Package config loads the Gateway Worker configuration from the
// environment and an optional YAML file.
//
//	cfg := config.New()
//	log := logger.New("gateway-worker", cfg.GetString("log.level")) // "" is info
//	if err := cfg.Validate(); err != nil {
//		log.Fatal("bad configuration", err)
//	}
//	log.Info("configuration", "config", cfg.Redacted())
//	redisConfig := cfg.GetRedisConfig()
//
// # Keys and sources
//
// Settings are named by dotted keys such as "redis.dial_timeout". Each key
// is looked up, first match wins, in:
//
//  1. values given to Config.Set;
//  2. the environment variable EnvName(key): upper case, dots and dashes
//     turned into underscores (REDIS_DIAL_TIMEOUT);
//  3. the YAML file, where the key is a path of nested mappings
//     (redis: {dial_timeout: 5s}); dashes and underscores, and upper and
//     lower case, are the same in keys;
//  4. the built-in default.
//
// An empty value counts as unset everywhere, so REDIS_HOST= in a compose
// file does not hide the file's value. The file is the one named by
// CONFIG_FILE, else ./config.yaml when it exists.
//
// This package owns the redis.* keys; programs declare their own keys
// (the gateway worker's are in its internal/settings package), numeric
// ones as Int or Duration values carrying their default and bounds. The
// redis.* keys, with their defaults and bounds:
//
//	redis.url, redis.host, redis.port 6379 (1..65535), redis.username,
//	redis.password, redis.db (0..65535), redis.tls, redis.tls_insecure,
//	redis.tls_ca_file, redis.cluster_addrs (list), redis.sentinel_addrs
//	(list), redis.sentinel_master, redis.sentinel_password,
//	redis.mode ("", auto or embedded), redis.embedded_addr 127.0.0.1:6379,
//	redis.dial_timeout 5s, redis.read_timeout 3s, redis.write_timeout 3s
//	(each 0..10m), redis.pool_size (0..10000; 0: the client's default).
//
// REDIS_URL is parsed by go-redis' ParseURL (see ParseURL here for what is
// accepted); a REDIS_HOST or REDIS_PORT that names another server than the
// URL is refused, naming both variables.
//
// Lists are YAML sequences or comma-separated strings. Durations are Go
// durations with a unit ("1m30s"; a bare number other than 0 is refused). Booleans are true/false,
// yes/no, on/off or 1/0. A YAML sequence or mapping given for a key that
// takes one value is a *ValueError ("want a single value, got a list"), from
// Validate for the redis.* keys and from the getters (GetIntE, GetStringE,
// Number.Get...) for the others.
//
// # Errors
//
// New never fails, so a service always gets a logger up to report what is
// wrong. A getter given a bad value returns the key's default (or the zero
// value) and remembers the problem; Validate returns everything wrong at
// once, each value problem a *ValueError naming the key, its source and the
// value:
//
//	config: REDIS_PORT="abc": not a valid integer
//
// The GetXxxE getters return the error instead of remembering it.
//
// # Secrets
//
// Config.Redacted gives the effective settings with passwords masked, for a
// startup log line. RedisConfig masks its passwords when printed with fmt
// or logged with slog, and ValueError never shows a secret value.
package config
