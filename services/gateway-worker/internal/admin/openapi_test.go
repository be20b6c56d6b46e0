package admin_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"goweb/docs"
	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
	"goweb/services/gateway-worker/internal/admin"
	"goweb/services/gateway-worker/internal/servicetest"
)

// The OpenAPI document is checked with kin-openapi, which validates
// OpenAPI 3.1 documents and, for them, bodies with a JSON Schema 2020-12
// validator (santhosh-tekuri/jsonschema, already a dependency here).

func loadOpenAPI(t *testing.T) (*openapi3.T, routers.Router) {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(docs.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("docs/openapi.yaml is OpenAPI %s, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("docs/openapi.yaml is not a valid OpenAPI document: %v", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return doc, router
}

// The document describes exactly the API's routes.
func TestOpenAPIRoutes(t *testing.T) {
	t.Parallel()
	doc, _ := loadOpenAPI(t)
	var documented []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	served := admin.Routes()
	slices.Sort(documented)
	slices.Sort(served)
	if !slices.Equal(documented, served) {
		t.Errorf("docs/openapi.yaml describes\n%s\nthe API serves\n%s", strings.Join(documented, "\n"), strings.Join(served, "\n"))
	}
	if len(doc.Security) != 1 || doc.Components.SecuritySchemes["bearerAuth"].Value.Scheme != "bearer" {
		t.Error("the document does not require the bearer token")
	}
}

// checker sends requests to a running API and validates each answer (and
// each request meant to be valid) against the document.
type checker struct {
	t      *testing.T
	router routers.Router
	srv    *httptest.Server
	token  string
	seen   map[string]bool // "METHOD path status" answered and valid
}

func newChecker(t *testing.T, router routers.Router, h http.Handler, token string) *checker {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &checker{t: t, router: router, srv: srv, token: token, seen: map[string]bool{}}
}

// do sends method target body and checks the answer has status want and
// matches the document; a 2xx request is validated too. It returns the
// answer's body.
func (c *checker) do(method, target, body string, want int) string {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.srv.URL+target, strings.NewReader(body))
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.srv.Client().Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: %d %s, want %d", method, target, resp.StatusCode, raw, want)
	}

	// The document's server is localhost:8084; route the same request there.
	vreq, _ := http.NewRequest(method, "http://localhost:8084"+target, strings.NewReader(body))
	vreq.Header = req.Header.Clone()
	route, params, err := c.router.FindRoute(vreq)
	if err != nil {
		c.t.Fatalf("%s %s: not in the document: %v", method, target, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true, MultiError: true}}
	ctx := context.Background()
	if want < 300 {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			c.t.Errorf("%s %s %s: a request the API accepts does not match the document: %v", method, target, body, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header, Options: in.Options}
	out.SetBodyBytes(raw)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		c.t.Errorf("%s %s: answer %d %s does not match the document: %v", method, target, resp.StatusCode, raw, err)
	}
	c.seen[fmt.Sprintf("%s %s %d", method, route.Path, resp.StatusCode)] = true
	return string(raw)
}

// Real answers of every route, successes and errors, match the document.
func TestOpenAPIAnswers(t *testing.T) {
	t.Parallel()
	doc, router := loadOpenAPI(t)
	b := setup(t, admin.Options{Token: token})
	c := newChecker(t, router, b.h, token)
	p := func(suffix string) string { return "/v1/topics/" + b.topic + suffix }

	if got := c.do("GET", "/v1/openapi.yaml", "", 200); got != string(docs.OpenAPI) {
		t.Error("GET /v1/openapi.yaml does not answer docs/openapi.yaml")
	}
	c.do("POST", p("/messages"), `{"data":{"order_id":"12345","n":1},"id":"m-1","headers":{"trace":"abc"}}`, 201)
	c.do("POST", p("/messages"), `{"data":{"a":1},"delay":"1h"}`, 201)
	c.do("POST", p("/messages"), `{"data":{"a":2},"delay_ms":3600000,"id":"d-2"}`, 201)
	c.do("POST", p("/messages"), `{"data":{"a":3},"process_at":"2030-01-02T15:04:05Z"}`, 201)
	c.do("POST", p("/messages"), `{"data":{},"dedup_key":"k1","dedup_ttl":"1h"}`, 201)
	c.do("POST", p("/messages"), `{"data":{},"dedup_key":"k1","dedup_ttl":"1h"}`, 409)
	c.do("POST", p("/messages"), `{"data":[1]}`, 400)
	c.do("POST", p("/messages"), `{"data":{},"extra":1}`, 400)
	c.do("POST", p("/messages"), `{"data":{"big":"`+strings.Repeat("x", 2<<20)+`"}}`, 413)
	c.do("POST", "/v1/topics/bad!topic/messages", `{"data":{}}`, 400)
	c.do("POST", p("/messages:batch"), `{"messages":[{"data":{"i":1}},{"data":{"i":2}}],"headers":{"h":"v"}}`, 201)
	c.do("POST", p("/messages:batch"), `{"messages":[]}`, 400)

	c.do("GET", "/v1/topics", "", 200)
	c.do("GET", p(""), "", 200)
	c.do("GET", p("/messages"), "", 200)
	c.do("GET", p("/messages?state=delayed&offset=0&limit=10"), "", 200)
	c.do("GET", p("/messages?state=done"), "", 400)
	c.do("GET", p("/messages?limit=1001"), "", 400)
	c.do("POST", p("/delayed:run"), `{"ids":["d-2"]}`, 200)
	c.do("GET", p("/messages/d-2"), "", 200)
	c.do("GET", p("/messages/nobody"), "", 404)
	c.do("GET", p("/messages/a%20b"), "", 400)
	c.do("GET", p("/messages:lookup?id=d-2"), "", 200)
	c.do("GET", p("/messages:lookup?id=nobody"), "", 404)
	c.do("GET", p("/messages:lookup?id=a%20b"), "", 400)
	c.do("GET", "/v1/topics?q="+b.topic[2:]+"&sort=-pending&offset=0&limit=10&spark=5", "", 200)
	c.do("GET", "/v1/topics?sort=size", "", 400)
	c.do("GET", "/v1/history?minutes=1440", "", 200)
	c.do("GET", "/v1/history?minutes=0", "", 400)
	c.do("GET", p("/history"), "", 200)
	c.do("GET", "/v1/redis", "", 200)
	c.do("POST", p("/messages:delete"), `{"state":"pending","ids":["m-1"]}`, 200)
	c.do("POST", p("/messages:delete"), `{"state":"dead","ids":["m-1"]}`, 400)
	c.do("POST", p("/pause"), "", 200)
	c.do("GET", p(""), "", 200)
	c.do("POST", p("/pause"), `{"x":1}`, 400)
	c.do("POST", p("/resume"), "", 200)
	unused := "/v1/topics/" + redistest.Topic(t)
	c.do("POST", unused+"/pause", "", 404)
	c.do("POST", unused+"/resume", "", 404)
	c.do("POST", unused+"/pause", `{"force":true}`, 200)
	c.do("POST", unused+"/resume", "", 200)
	limited := newChecker(t, router, admin.New(b.m, admin.Options{Token: token,
		Limits: map[string]admin.Limits{b.topic: {RateLimit: "50/s", GlobalConcurrency: 5}}}), token)
	limited.do("GET", "/v1/topics", "", 200)
	limited.do("GET", p(""), "", 200)

	// A consumer holding a message, for the in-flight listing and the
	// topic's consumers.
	release := hold(t, b)
	c.do("GET", p("/messages?state=in_flight"), "", 200)
	c.do("GET", p(""), "", 200)
	release()
	// What the held consumer prefetched is handed back as it stops (or,
	// if that failed on a loaded machine, reaped after its lease).
	servicetest.Eventually(t, 30*time.Second, "the held consumer's messages back", func() bool {
		s := b.stats(t)
		return s.InFlight == 0 && s.Pending > 0
	})
	b.kill(t, int(b.stats(t).Pending))
	dead := c.do("GET", p("/dead?limit=2"), "", 200)
	id := between(dead, `"id":"`, `"`)
	c.do("GET", p("/dead?offset=-1"), "", 400)
	c.do("GET", p("/messages/"+id), "", 200)
	c.do("GET", p("/messages:lookup?id="+id), "", 200)
	c.do("POST", p("/dead/requeue"), `{"ids":["`+id+`"]}`, 200)
	c.do("POST", p("/dead/requeue"), `{"ids":[]}`, 400)
	c.do("POST", p("/dead/requeue"), `{"all":true}`, 200)
	c.do("DELETE", p("/dead"), "", 200)

	// A key of the wrong type, of a registered topic: the topic is
	// answered 500 alone and listed with its error among the others.
	wrong := redistest.Topic(t)
	ctx := context.Background()
	if err := b.m.GetQueue().Publish(ctx, wrong, map[string]interface{}{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.m.Client().Del(ctx, redis.PendingKey(wrong)) })
	if err := b.m.Client().Set(ctx, redis.PendingKey(wrong), "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	c.do("GET", "/v1/topics/"+wrong, "", 500)
	if got := c.do("GET", "/v1/topics", "", 200); !strings.Contains(got, `"error":"a key of the topic holds the wrong kind`) {
		t.Errorf("GET /v1/topics lists no topic with its error: %s", got)
	}

	// A routed topic's dead letter, with its delivery attempts.
	routed := setup(t, admin.Options{Token: token})
	attempts := newChecker(t, router, admin.New(routed.m, admin.Options{Token: token, Attempts: deadRouted(t, routed, "order-422")}), token)
	if got := attempts.do("GET", "/v1/topics/"+routed.topic+"/dead", "", 200); !strings.Contains(got, `"attempts":[{`) {
		t.Errorf("dead letter of a routed topic without its attempts: %s", got)
	}

	// The refusals.
	(&checker{t: t, router: router, srv: c.srv, seen: c.seen}).do("GET", "/v1/topics", "", 401)
	off := newChecker(t, router, admin.New(b.m, admin.Options{}), token)
	off.do("GET", p("/dead"), "", 403)
	port, _ := redistest.FreePort()
	down := servicetest.Manager(t, "127.0.0.1:"+strconv.Itoa(port))
	unavailable := newChecker(t, router, admin.New(down, admin.Options{Token: token, Timeout: time.Second, Log: logger.Nop()}), token)
	unavailable.do("GET", "/v1/topics", "", 503)
	for k := range off.seen {
		c.seen[k] = true
	}
	for k := range unavailable.seen {
		c.seen[k] = true
	}

	// Every operation was answered successfully at least once.
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ok := false
			for status := range op.Responses.Map() {
				if strings.HasPrefix(status, "2") && c.seen[fmt.Sprintf("%s %s %s", method, path, status)] {
					ok = true
				}
			}
			if !ok {
				t.Errorf("%s %s: no successful answer checked", method, path)
			}
		}
	}
}

// hold starts a consumer that holds the next message of the topic until
// the returned function is called.
func hold(t *testing.T, b *bundle) (release func()) {
	t.Helper()
	started, done, stop := make(chan struct{}), make(chan error, 1), make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		done <- b.m.GetQueue().Subscribe(ctx, b.topic, func(context.Context, *redis.Message) error {
			select {
			case <-started:
			default:
				close(started)
			}
			<-stop
			return errors.New("held")
		}, redis.WithConcurrency(1), redis.WithMaxRetries(5))
	}()
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("no message taken")
	}
	return func() {
		// Stopped first, then the handler let go: the other way round the
		// consumer could take, fail and retry every pending message before
		// it saw the stop, leaving none pending.
		cancel()
		close(stop)
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// between returns the text of s after the first from, up to the next to.
func between(s, from, to string) string {
	_, after, _ := strings.Cut(s, from)
	v, _, _ := strings.Cut(after, to)
	return v
}
