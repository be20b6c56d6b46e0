package config

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// urlParams are the REDIS_URL query parameters RedisConfig carries. go-redis
// knows more (min_idle_conns, max_retries, ...), but nothing downstream would
// apply them, so they are refused rather than silently dropped.
var urlParams = []string{"dial_timeout", "read_timeout", "write_timeout", "pool_size"}

// ParseURL parses a redis:// or rediss:// URL of the form
//
//	redis[s]://[[user][:password]@][host][:port][/db][?param=value&...]
//
// with go-redis' parser. Host defaults to localhost, port to 6379 and db to
// 0; rediss turns on TLS. The parameters dial_timeout, read_timeout,
// write_timeout (Go durations or whole seconds) and pool_size are read,
// within the bounds of REDIS_DIAL_TIMEOUT and so on; any other is refused.
// Configured is true in the result. The error never contains the password.
func ParseURL(raw string) (RedisConfig, error) {
	rc, err := parseRedisURL(raw)
	if err != nil {
		return RedisConfig{}, fmt.Errorf("config: redis URL %q: %w", redactURL(raw), err)
	}
	return rc, nil
}

// parseRedisURL is ParseURL with bare reasons, for wrapping in a ValueError.
func parseRedisURL(raw string) (RedisConfig, error) {
	raw = strings.TrimSpace(raw)
	o, err := goredis.ParseURL(raw)
	if err != nil {
		return RedisConfig{}, redactURLError(raw, err)
	}
	u, _ := url.Parse(raw) // go-redis parsed it with url.Parse already
	if u.Opaque != "" {
		// go-redis would take "redis:h" for localhost.
		return RedisConfig{}, errors.New("missing // after the scheme")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return RedisConfig{}, fmt.Errorf("bad query: %w", err)
	}
	for name := range q {
		if !slices.Contains(urlParams, name) {
			return RedisConfig{}, fmt.Errorf("parameter %q is not supported (want %s)", name, strings.Join(urlParams, ", "))
		}
	}
	rc := RedisConfig{URL: raw, Username: o.Username, Password: o.Password, DB: o.DB, TLS: o.TLSConfig != nil, Configured: true}
	rc.Host, rc.Port = splitHostPortNumber(o.Addr)
	if rc.Port < redisPort.Min || rc.Port > redisPort.Max {
		return RedisConfig{}, fmt.Errorf("port %d: %w", rc.Port, redisPort.check(rc.Port))
	}
	if err := redisDB.check(rc.DB); err != nil {
		return RedisConfig{}, fmt.Errorf("database %d: %w", rc.DB, err)
	}
	if q.Has("pool_size") {
		if err := redisPoolSize.check(o.PoolSize); err != nil {
			return RedisConfig{}, fmt.Errorf("pool_size=%q: %w", q.Get("pool_size"), err)
		}
		rc.PoolSize = o.PoolSize
	}
	for _, p := range []struct {
		s   Duration
		got time.Duration
		dst *time.Duration
	}{
		{redisDialTimeout, o.DialTimeout, &rc.DialTimeout},
		{redisReadTimeout, o.ReadTimeout, &rc.ReadTimeout},
		{redisWriteTimeout, o.WriteTimeout, &rc.WriteTimeout},
	} {
		name := strings.TrimPrefix(p.s.Key, "redis.")
		if !q.Has(name) {
			continue
		}
		if err := p.s.check(p.got); err != nil {
			return RedisConfig{}, fmt.Errorf("%s=%q: %w", name, q.Get(name), err)
		}
		*p.dst = p.got
	}
	return rc, nil
}

// redactURLError keeps go-redis' reason without the password. url.Parse
// errors quote the whole URL, so only their inner reason is kept; and when
// the URL may have a userinfo part, a reason that quotes part of the input
// (a bad %-escape, say) is replaced by one that does not, since the quoted
// part may come from the password.
func redactURLError(raw string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		reason := ue.Err
		if strings.Contains(raw, "@") {
			reason = vagueURLReason(ue.Err)
		}
		return fmt.Errorf("not a valid URL: %w", reason)
	}
	// The URL parsed, so go-redis' reasons quote the scheme, path or query,
	// which a password lands in only when the URL is mangled ("/" in the
	// userinfo). A password so short that masking it would garble the
	// reason is left alone.
	msg := err.Error()
	if pw := passwordOf(raw); len(pw) >= 4 {
		quoted := strconv.Quote(pw)
		for _, form := range []string{pw, quoted[1 : len(quoted)-1]} {
			msg = strings.ReplaceAll(msg, form, redactedMark)
		}
	}
	return errors.New(strings.TrimPrefix(msg, "redis: "))
}

func vagueURLReason(err error) error {
	var esc url.EscapeError
	var host url.InvalidHostError
	switch {
	case errors.As(err, &esc):
		return errors.New("malformed %-escape")
	case errors.As(err, &host):
		return errors.New("invalid character in host")
	case strings.Contains(err.Error(), `"`):
		return errors.New("malformed URL")
	}
	return err
}

// passwordOf returns what may be raw's password, as written: the text
// between the first ':' after "://" and the last '@', the region redactURL
// masks.
func passwordOf(raw string) string {
	start := strings.Index(raw, "://")
	at := strings.LastIndexByte(raw, '@')
	if start < 0 || at < start+3 {
		return ""
	}
	_, pw, _ := strings.Cut(raw[start+3:at], ":")
	return pw
}
