package redis

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/jonboulle/clockwork"
	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/config"
	"goweb/pkg/logger"
)

// Manager owns the connection to Redis (single node, Sentinel or Cluster)
// and the queue built on it. It is safe for concurrent use.
//
// NewManager never fails and never dials: if Redis is unreachable, calls
// return errors until it is back. Check Err for configuration errors and
// Ping for reachability at startup.
type Manager struct {
	log    logger.Logger
	opts   *goredis.UniversalOptions
	client goredis.UniversalClient
	queue  *RedisQueue
	err    error
	closed atomic.Bool // read by every publish and subscribe
	// policyChecked is set once maxmemory-policy was read (see checkPolicy).
	policyChecked atomic.Bool
	// replicasChecked is set once the replicas were counted (see
	// checkReplicas).
	replicasChecked atomic.Bool

	clock      clockwork.Clock
	replicaAck replicaAck // see WithDefaultReplicaAck
	maxPayload int
	// sharedAbove is WithSharedFetchAbove's n.
	sharedAbove int
	publishMW   []PublishMiddleware
}

// ManagerOption configures NewManager.
type ManagerOption func(*Manager)

// DefaultMaxPayload is the largest encoded message accepted, in bytes.
const DefaultMaxPayload = 1 << 20

// maxMaxPayload is Redis' own limit on a string: 512 MiB.
const maxMaxPayload = 512 << 20

// WithMaxPayload bounds an encoded message in bytes, on publish (a larger
// one is refused with ErrPayloadTooLarge) and on consume (a larger entry is
// dead-lettered). Defaults to DefaultMaxPayload (1 MiB); at least 64 bytes
// and at most 512 MiB, Redis' limit.
func WithMaxPayload(n int) ManagerOption { return func(m *Manager) { m.maxPayload = n } }

// WithClock makes the Manager read local time from clk: the timers and
// intervals of its consumers, schedules and log throttles, and the local
// side of its Redis-aligned clock (see docs/reliability.md, "Which clock").
// Defaults to the real clock. Times written to Redis still come from
// Redis's TIME, counted on clk from the last sample, so a clk that is
// offset from true time (the fault tests run processes 60 s fast and
// slow) changes none of them.
func WithClock(clk clockwork.Clock) ManagerOption { return func(m *Manager) { m.clock = clk } }

// WithSharedFetchAbove sets how many consumers (Subscribe and
// SubscribeBatch calls running at once) a queue serves on the per-topic
// fetch path, where each has a blocking connection and a lease of its own:
// the quickest pickup. Past n every consumer of the queue moves to the
// shared path: one lease for the process and one sweeper that watches the
// idle topics for all of them, so that an idle topic costs no connection
// and almost no commands (docs/scaling.md, "Many topics"). It picks up an
// entry published with the library by another process at once (the
// publish announces it on the topic's push channel) and one pushed with a
// plain LPUSH within about 50 ms. A Redis Cluster keeps the per-topic
// path. Defaults to DefaultSharedFetchAbove (32); between 0 (always
// shared) and 100000 (never, in practice).
//
// Processes with different thresholds, or different topics, may consume
// the same topics: every process keeps a process lease listing its
// consumers, whichever path they are on, so a dead process's messages are
// recovered within the recovery window whichever path the others are on.
func WithSharedFetchAbove(n int) ManagerOption { return func(m *Manager) { m.sharedAbove = n } }

// NewManager builds a Manager from cfg. A nil cfg or an empty one means
// 127.0.0.1:6379. A nil log discards logs.
func NewManager(cfg *config.RedisConfig, log logger.Logger, opts ...ManagerOption) *Manager {
	if log == nil {
		log = logger.Nop()
	}
	var c config.RedisConfig
	if cfg != nil {
		c = *cfg
	}
	uo, err := universalOptions(&c)
	if err != nil {
		// Keep going with defaults so nothing panics; every call reports err.
		log.Error("invalid redis configuration", err)
		uo = &goredis.UniversalOptions{Addrs: []string{"127.0.0.1:6379"}}
	}
	redirectClientLogs(log)
	m := &Manager{log: log, opts: uo, err: err, clock: clockwork.NewRealClock(), maxPayload: DefaultMaxPayload,
		sharedAbove: DefaultSharedFetchAbove}
	for _, opt := range opts {
		opt(m)
	}
	if m.err == nil && (m.maxPayload < 64 || m.maxPayload > maxMaxPayload) {
		m.err = fmt.Errorf("%w: WithMaxPayload(%d): must be between 64 and %d bytes", ErrInvalidOption, m.maxPayload, maxMaxPayload)
		log.Error("invalid queue option", m.err)
	}
	if err := m.replicaAck.validate("WithDefaultReplicaAck"); m.err == nil && err != nil {
		m.err = err
		log.Error("invalid queue option", m.err)
	}
	if m.clock == nil {
		if m.err == nil {
			m.err = fmt.Errorf("%w: WithClock(nil): a clock is required", ErrInvalidOption)
			log.Error("invalid queue option", m.err)
		}
		m.clock = clockwork.NewRealClock()
	}
	if m.err == nil && (m.sharedAbove < 0 || m.sharedAbove > maxSharedFetchAbove) {
		m.err = fmt.Errorf("%w: WithSharedFetchAbove(%d): must be between 0 and %d", ErrInvalidOption, m.sharedAbove, maxSharedFetchAbove)
		log.Error("invalid queue option", m.err)
	}
	m.client = newClient(uo, 0)
	m.queue = newQueue(m)
	return m
}

// universalOptions turns a RedisConfig into go-redis options: Cluster when
// ClusterAddrs is set, Sentinel when SentinelAddrs is set, else one node
// from URL or Host/Port.
func universalOptions(c *config.RedisConfig) (*goredis.UniversalOptions, error) {
	o := &goredis.UniversalOptions{
		Username:     c.Username,
		Password:     c.Password,
		DB:           c.DB,
		DialTimeout:  c.DialTimeout,
		ReadTimeout:  c.ReadTimeout,
		WriteTimeout: c.WriteTimeout,
		PoolSize:     c.PoolSize,
	}
	useTLS := c.TLS
	switch {
	case len(c.ClusterAddrs) > 0:
		o.Addrs = c.ClusterAddrs
		o.IsClusterMode = true
	case len(c.SentinelAddrs) > 0:
		if c.SentinelMaster == "" {
			return nil, errors.New("redis: REDIS_SENTINEL_MASTER is required with REDIS_SENTINEL_ADDRS")
		}
		o.Addrs = c.SentinelAddrs
		o.MasterName = c.SentinelMaster
		o.SentinelPassword = c.SentinelPassword
	case c.URL != "":
		u, err := goredis.ParseURL(c.URL)
		if err != nil {
			return nil, fmt.Errorf("redis: REDIS_URL: %w", errors.New(redactURLError(err, c.Password)))
		}
		o.Addrs = []string{u.Addr}
		o.Username, o.Password, o.DB = u.Username, u.Password, u.DB
		if u.TLSConfig != nil {
			useTLS = true
		}
		if o.DialTimeout == 0 {
			o.DialTimeout = u.DialTimeout
		}
		if o.ReadTimeout == 0 {
			o.ReadTimeout = u.ReadTimeout
		}
		if o.WriteTimeout == 0 {
			o.WriteTimeout = u.WriteTimeout
		}
	default:
		host, port := c.Host, c.Port
		if host == "" {
			host = "127.0.0.1"
		}
		if port == 0 {
			port = 6379
		}
		o.Addrs = []string{net.JoinHostPort(host, strconv.Itoa(port))}
	}
	if useTLS {
		tc, err := tlsConfig(c)
		if err != nil {
			return nil, err
		}
		o.TLSConfig = tc
	}
	return o, nil
}

// tlsConfig leaves ServerName empty: the TLS dial then checks each node's
// certificate against that node's own host, which Cluster and Sentinel
// (many nodes behind one config) need.
func tlsConfig(c *config.RedisConfig) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: c.TLSInsecureSkipVerify} //nolint:gosec // opt-in
	if c.TLSCAFile != "" {
		pem, err := os.ReadFile(c.TLSCAFile)
		if err != nil {
			return nil, fmt.Errorf("redis: REDIS_TLS_CA_FILE: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("redis: REDIS_TLS_CA_FILE %q holds no PEM certificate", c.TLSCAFile)
		}
		tc.RootCAs = pool
	}
	return tc, nil
}

// redactURLError makes sure a URL parse error never carries the password.
func redactURLError(err error, password string) string {
	msg := err.Error()
	if password == "" {
		return msg
	}
	return strings.ReplaceAll(msg, password, "xxxxx")
}

// GetQueue returns the message queue.
func (m *Manager) GetQueue() *RedisQueue { return m.queue }

// Client returns the underlying go-redis client.
func (m *Manager) Client() goredis.UniversalClient { return m.client }

// Err returns the configuration error NewManager met, if any.
func (m *Manager) Err() error { return m.err }

// Ping checks that Redis answers.
func (m *Manager) Ping(ctx context.Context) error {
	if err := m.usable(); err != nil {
		return err
	}
	if err := m.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: ping %s: %w", m.describe(), err)
	}
	m.checkServer(ctx)
	return nil
}

func (m *Manager) usable() error {
	if m.closed.Load() {
		return ErrClosed
	}
	return m.err
}

// describe names the target without credentials, for error messages.
func (m *Manager) describe() string {
	switch {
	case m.opts.MasterName != "":
		return fmt.Sprintf("sentinel master %q via %v", m.opts.MasterName, m.opts.Addrs)
	case isCluster(m.opts):
		return fmt.Sprintf("cluster %v", m.opts.Addrs)
	default:
		return m.opts.Addrs[0]
	}
}

// newBlockingClient returns a client with one connection for a consumer's
// blocking commands. Closing it is the only way to interrupt a blocking
// command, which is how a consumer stops promptly.
func (m *Manager) newBlockingClient() goredis.UniversalClient {
	return newClient(m.opts, 1)
}

// Close closes the client. Subscriptions should be stopped first by
// cancelling their contexts.
func (m *Manager) Close() error {
	if !m.closed.CompareAndSwap(false, true) {
		return nil
	}
	m.queue.pipe.close()
	m.queue.sharing.pipe.close()
	m.queue.registry.close()
	return m.client.Close()
}
