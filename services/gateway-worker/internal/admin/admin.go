package admin

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/dispatch"
)

// Defaults of Options.
const (
	DefaultMaxBodyBytes = 1 << 20
	DefaultMaxBatch     = 1000
	DefaultTimeout      = 5 * time.Second
)

// Limits of request values.
const (
	// MaxDelay bounds delay, delay_ms, process_at and dedup_ttl: a larger
	// value is almost certainly a unit mistake.
	MaxDelay = 10 * 365 * 24 * time.Hour
	// MaxListLimit bounds the limit of a listing (dead letters, waiting
	// messages).
	MaxListLimit = 1000
	// DefaultListLimit is the limit of a listing without one.
	DefaultListLimit = 50
	// MaxInFlightOffset bounds the offset of an in-flight listing, which
	// reads every message before it.
	MaxInFlightOffset = 100000
	// MaxIDs bounds the ids of one request (requeue, delete, run).
	MaxIDs = 1000
	// maxKeyLen bounds dedup keys.
	maxKeyLen = 1024
	// LogInterval is the least time between two warnings of one kind
	// (refused requests, Redis errors); the next one counts those held back.
	LogInterval = 10 * time.Second
)

// Options configure New.
type Options struct {
	// Token is the bearer token every request must carry. Empty disables
	// the API: every endpoint answers 403.
	Token string
	// Log receives mutations, refused requests and Redis errors (never the
	// token); the last two at most once per LogInterval each. Defaults to
	// logger.Nop().
	Log logger.Logger
	// MaxBodyBytes bounds a request body; a larger one is answered 413.
	// Defaults to DefaultMaxBodyBytes (1 MiB).
	MaxBodyBytes int64
	// MaxBatch bounds the messages of one batch publish. Defaults to
	// DefaultMaxBatch.
	MaxBatch int
	// Timeout bounds the Redis work of one request. Defaults to
	// DefaultTimeout.
	Timeout time.Duration
	// Attempts, when set, adds each dead letter's last delivery attempts
	// (routed topics) to the dead-letter listing. Defaults to none.
	Attempts *dispatch.Attempts
	// Limits are the flow control limits of the topics this service
	// consumes, shown by GET /v1/topics and /v1/topics/{topic}. Defaults to
	// none.
	Limits map[string]Limits
}

// WithDefaults returns a copy of o with zero fields set to their defaults.
func (o Options) WithDefaults() Options {
	if o.Log == nil {
		o.Log = logger.Nop()
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = DefaultMaxBatch
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	return o
}

type api struct {
	Options
	m     *redis.Manager
	queue *redis.RedisQueue
	insp  *redis.Inspector
	token [sha256.Size]byte // the token's hash, so comparing never depends on its length
	// refusals and redisErrs throttle their warnings: a client retrying a
	// bad token, or an outage, must not flood the log.
	refusals, redisErrs *logger.Throttle
}

type route struct {
	method, path string
	handler      http.HandlerFunc
}

func (a *api) routes() []route {
	return []route{
		{http.MethodGet, "/v1/topics", a.listTopics},
		{http.MethodGet, "/v1/topics/{topic}", a.getTopic},
		{http.MethodGet, "/v1/history", a.historyOfAll},
		{http.MethodGet, "/v1/topics/{topic}/history", a.topicHistory},
		{http.MethodGet, "/v1/topics/{topic}/messages/{id}", a.findMessage},
		{http.MethodGet, "/v1/topics/{topic}/messages:lookup", a.lookupMessage},
		{http.MethodGet, "/v1/redis", a.redisInfo},
		{http.MethodPost, "/v1/topics/{topic}/messages", a.publish},
		{http.MethodPost, "/v1/topics/{topic}/messages:batch", a.publishBatch},
		{http.MethodGet, "/v1/topics/{topic}/dead", a.listDead},
		{http.MethodDelete, "/v1/topics/{topic}/dead", a.purgeDead},
		{http.MethodPost, "/v1/topics/{topic}/dead/requeue", a.requeueDead},
		{http.MethodGet, "/v1/topics/{topic}/messages", a.listMessages},
		{http.MethodPost, "/v1/topics/{topic}/messages:delete", a.deleteMessages},
		{http.MethodPost, "/v1/topics/{topic}/delayed:run", a.runDelayed},
		{http.MethodPost, "/v1/topics/{topic}/pause", a.pause},
		{http.MethodPost, "/v1/topics/{topic}/resume", a.resume},
		{http.MethodGet, "/v1/openapi.yaml", serveOpenAPI},
	}
}

// Routes returns the API's endpoints as "METHOD /path" patterns, in the
// order of the router, for checks of the docs.
func Routes() []string {
	var out []string
	for _, r := range (&api{}).routes() {
		out = append(out, r.method+" "+r.path)
	}
	return out
}

// New returns the API's handler, which answers every path under /v1/.
func New(m *redis.Manager, opts Options) http.Handler {
	a := &api{Options: opts.WithDefaults(), m: m, queue: m.GetQueue(), insp: m.Inspector()}
	a.token = sha256.Sum256([]byte(a.Token))
	a.refusals = logger.NewThrottle(a.Log, LogInterval, nil)
	a.redisErrs = logger.NewThrottle(a.Log, LogInterval, nil)
	mux := http.NewServeMux()
	allow := map[string][]string{}
	var paths []string
	for _, r := range a.routes() {
		mux.HandleFunc(r.method+" "+r.path, r.handler)
		if allow[r.path] == nil {
			paths = append(paths, r.path)
		}
		allow[r.path] = append(allow[r.path], r.method)
	}
	// Without these the mux would answer a wrong method or path in plain
	// text; clients get JSON errors everywhere.
	for _, p := range paths {
		methods := strings.Join(allow[p], ", ")
		mux.HandleFunc(p, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Allow", methods)
			writeError(w, http.StatusMethodNotAllowed, "method not allowed: use "+methods)
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint: "+r.URL.Path)
	})
	return a.authorize(rawPath(mux))
}

// authorize lets a request through only with the configured token.
func (a *api) authorize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.Token == "" {
			writeError(w, http.StatusForbidden, "admin API disabled: set ADMIN_TOKEN")
			return
		}
		got, ok := bearer(r)
		sum := sha256.Sum256([]byte(got))
		if !ok || subtle.ConstantTimeCompare(sum[:], a.token[:]) != 1 {
			a.refusals.Warn("admin: refused a request without the right token", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
			w.Header().Set("WWW-Authenticate", `Bearer realm="gateway-worker admin"`)
			writeError(w, http.StatusUnauthorized, "missing or wrong bearer token")
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), startKey{}, time.Now())))
	})
}

// startKey keys a request's start time in its context, so that a timeout
// can say how long it waited.
type startKey struct{}

// bearer returns the token of an "Authorization: Bearer <token>" header.
func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// ctx bounds a request's Redis work, so a hung Redis cannot pile up
// requests.
func (a *api) ctx(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), a.Timeout)
}

// read runs f, and for a read (GET) runs it again after a socket timeout
// while the request's deadline (a.ctx) has not passed: the Redis client
// gives up on one reply after REDIS_READ_TIMEOUT (3 s by default), which
// it retries for single commands but not for pipelines, so without this a
// read answered 504 after 3 s or 5 s depending on how it reads. The
// request's timeout owns the wait. A change (POST, DELETE) is not sent
// twice: it may have happened.
func (a *api) read(ctx context.Context, r *http.Request, f func() (any, error)) (any, error) {
	for {
		res, err := f()
		if r.Method != http.MethodGet || err == nil || !timedOut(err) || ctx.Err() != nil {
			return res, err
		}
	}
}

// topic returns the path's topic, or answers 400 and returns false.
func topic(w http.ResponseWriter, r *http.Request) (string, bool) {
	t := r.PathValue("topic")
	if err := redis.ValidateTopic(t); err != nil {
		writeError(w, http.StatusBadRequest, "topic: "+err.Error())
		return "", false
	}
	return t, true
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	noStore(w.Header())
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// noStore sets the headers every answer of the API carries: not to be
// cached or sniffed.
func noStore(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
}

type errorJSON struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, errorJSON{Error: msg})
}

// answer runs act for the path's topic within the request timeout and
// writes its result, 200: a *requestError from act is the client's mistake,
// any other error the queue's.
func (a *api) answer(w http.ResponseWriter, r *http.Request, act func(ctx context.Context, topic string) (any, error)) {
	t, ok := topic(w, r)
	if !ok {
		return
	}
	ctx, cancel := a.ctx(r)
	defer cancel()
	res, err := a.read(ctx, r, func() (any, error) { return act(ctx, t) })
	var re *requestError
	switch {
	case errors.As(err, &re):
		a.requestError(w, err)
	case err != nil:
		a.queueError(w, r, err)
	case r.Method == http.MethodGet:
		writeTagged(w, r, res)
	default:
		writeJSON(w, http.StatusOK, res)
	}
}

// writeTagged writes a read's answer with an ETag, or only 304 Not
// Modified when the request's If-None-Match names it: the dashboard
// refreshes an open message (up to megabytes) every 2 s that way.
func writeTagged(w http.ResponseWriter, r *http.Request, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		writeJSON(w, http.StatusOK, v) // cannot happen: answers are plain data
		return
	}
	sum := sha256.Sum256(body)
	tag := `"` + hex.EncodeToString(sum[:16]) + `"`
	h := w.Header()
	h.Set("ETag", tag)
	noStore(h)
	if r.Header.Get("If-None-Match") == tag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(body, '\n'))
}

// requestError is a bad request body, answered with its status.
type requestError struct {
	code int
	msg  string
}

func (e *requestError) Error() string { return e.msg }

func badRequest(format string, args ...any) *requestError {
	return &requestError{code: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}
