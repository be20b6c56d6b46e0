package dashboard_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"goweb/pkg/redis/redistest"
	"goweb/services/gateway-worker/internal/admin"
	"goweb/services/gateway-worker/internal/dashboard"
	"goweb/services/gateway-worker/internal/servicetest"
)

func TestMain(m *testing.M) { servicetest.Main(m, closeBrowser) }

const token = "dashboard-test-token"

func TestPage(t *testing.T) {
	t.Parallel()
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		dashboard.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}
	rec := get("/dashboard")
	body := rec.Body.String()
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "text/html; charset=utf-8" || !strings.Contains(body, "<title>") {
		t.Fatalf("GET /dashboard: %d %s", rec.Code, rec.Header())
	}
	for path, ctype := range map[string]string{
		"/dashboard": "text/html; charset=utf-8", "/dashboard/dashboard.js": "text/javascript; charset=utf-8", "/dashboard/dashboard.css": "text/css; charset=utf-8",
	} {
		rec := get(path)
		h := rec.Header()
		csp := h.Get("Content-Security-Policy")
		if rec.Code != 200 || h.Get("Content-Type") != ctype || h.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(csp, "script-src 'self';") || !strings.Contains(csp, "style-src 'self';") ||
			!strings.Contains(csp, "frame-ancestors 'none'") || !strings.HasPrefix(csp, "default-src 'none';") || strings.Contains(csp, "unsafe") {
			t.Errorf("GET %s: %d %v", path, rec.Code, h)
		}
	}
	for _, path := range []string{"/dashboard/dashboard.html", "/dashboard/x.js", "/dashboard/sub/dashboard.js"} {
		if rec := get(path); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, rec.Code)
		}
	}
	// The page's address with a slash sends the browser to the page (its
	// files load by relative path).
	if rec := get("/dashboard/?x=1"); rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "../dashboard?x=1" {
		t.Errorf("GET /dashboard/: %d, Location %q, want 301 to ../dashboard?x=1", rec.Code, rec.Header().Get("Location"))
	}
	// Nothing inline, which the CSP would block, and no CDN: the machines
	// running it may have no internet.
	if m := regexp.MustCompile(`<script>|<style|\sstyle=|\son[a-z]+=`).FindString(body); m != "" {
		t.Errorf("the page has inline script or style: %s", m)
	}
	if m := regexp.MustCompile(`(src|href)="(https?:)?//`).FindString(body); m != "" {
		t.Errorf("the page loads something from elsewhere: %s", m)
	}
}

func TestDashboardInBrowser(t *testing.T) {
	t.Parallel()
	base, m := startApp(t)
	topic := redistest.Topic(t)
	seed(t, m, topic)
	insp := m.Inspector()
	ctx, run := newTab(t)

	var accept atomic.Bool // the confirm before a purge: cancelled, then accepted
	dialogs := answerDialogs(ctx, &accept)
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.TextContent(css(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}

	// Without a token, the page asks for one, and sends no request the API
	// would refuse; a wrong one is refused.
	noToken := waitJS(`document.getElementById("status").textContent === "Enter the admin token to see the queues" && ` +
		`document.getElementById("error").hidden && !performance.getEntriesByType("resource").some(e => e.name.includes("/v1/"))`)
	run("no token", chromedp.Navigate(base+"/dashboard"), noToken)
	run("a wrong token",
		chromedp.SendKeys(css("#token"), "wrong"), click(css("#save-token")),
		waitJS(`document.getElementById("error").dataset.status === "401" && !document.getElementById("error").hidden`),
		waitJS(`document.getElementById("status").textContent === "Token refused: enter the admin token"`),
	)
	banner := text("#error")
	if !strings.Contains(banner, "401") || !strings.Contains(banner, "token") {
		t.Errorf("error banner with a wrong token: %q", banner)
	}

	// With the token: the topic's row with its counts, and no error.
	run("counts with the token",
		enterToken(topic),
		waitJS(cellIs(topic, "pending", "3")+" && "+cellIs(topic, "dead", "2")+" && "+cellIs(topic, "failed", "2")+
			" && "+cellIs(topic, "processed", "0")+" && "+cellIs(topic, "delayed", "0")+" && "+cellIs(topic, "in_flight", "0")),
		waitJS(`document.getElementById("error").hidden`),
	)

	// A backlog with no consumer is marked.
	run("the warning mark",
		waitJS(`document.querySelector('tr[data-topic="`+topic+`"] [data-field="warning"]')?.textContent === "⚠ no consumers"`),
	)

	// The dead letters with their reason, attempt and entry.
	run("open the dead letters", openTab(topic, "dead"),
		waitJS(`document.querySelectorAll("#dead-rows tr").length === 2`),
	)
	// Its columns: the time of death apart from the failures, each aligned
	// as its cells are.
	if heads, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#tab-head th")].map(th => th.textContent + ":" + getComputedStyle(th).textAlign).join()`)); heads != "ID:left,Failed at:left,Failures:right,Reason:left,Entry:left,Actions:left" {
		t.Errorf("the dead letters' columns: %s", heads)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#dead-rows tr")].map(r => `+
		`r.dataset.id + "|" + r.querySelector('[data-field="reason"]').textContent + "|" + `+
		`r.querySelector('[data-field="attempt"]').textContent + "|" + r.querySelector('[data-field="entry"]').textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(rows) // both failed at about the same time
	if len(rows) != 2 || !strings.HasPrefix(rows[0], "dl-1|skip retry: smtp: connection refused|1|{") ||
		!strings.Contains(rows[1], `"data":{"order_id":"dl-2"}`) {
		t.Errorf("dead-letter rows: %q", rows)
	}
	if path := os.Getenv("DASHBOARD_SCREENSHOT"); path != "" { // for a look by eye
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err == nil {
			err = os.WriteFile(path, png, 0o644)
		}
		if err != nil {
			t.Error(err)
		}
	}

	// Requeue one: it leaves the dead letters for the pending list.
	run("requeue dl-1",
		click(css(`#dead-rows tr[data-id="dl-1"] button.requeue`)),
		waitJS(`document.querySelectorAll("#dead-rows tr").length === 1`),
		waitJS(`document.getElementById("notice").textContent.includes("Requeued 1")`),
		waitJS(cellIs(topic, "pending", "4")+" && "+cellIs(topic, "dead", "1")),
	)
	st, err := insp.Stats(servicetest.Ctx(t), topic)
	if err != nil || st.Pending != 4 || st.Dead != 1 {
		t.Fatalf("after requeue: %+v, %v", st, err)
	}
	dead, err := insp.DeadLetters(servicetest.Ctx(t), topic, 0, 10)
	if err != nil || len(dead) != 1 || dead[0].ID != "dl-2" {
		t.Fatalf("dead letters after requeueing dl-1: %+v, %v", dead, err)
	}

	// Purge asks first: cancelling keeps the dead letters, accepting drops them.
	run("purge, cancelled", click(css("#purge")))
	servicetest.Eventually(t, 10*time.Second, "the confirm", func() bool { return dialogs.Load() == 1 })
	time.Sleep(300 * time.Millisecond) // nothing to wait for: nothing may happen
	if st, _ := insp.Stats(servicetest.Ctx(t), topic); st == nil || st.Dead != 1 {
		t.Fatalf("a cancelled purge purged: %+v", st)
	}
	accept.Store(true)
	run("purge, confirmed",
		click(css("#purge")),
		waitJS(`document.getElementById("notice").textContent.includes("Purged 1")`),
		waitJS(cellIs(topic, "dead", "0")+` && document.getElementById("no-messages").hidden === false`),
	)
	if st, _ := insp.Stats(servicetest.Ctx(t), topic); st == nil || st.Dead != 0 || st.Pending != 4 {
		t.Fatalf("after purge: %+v", st)
	}

	// Forgetting the token empties the page and asks for one, with no
	// request and no error.
	run("forget the token",
		click(css("#forget-token")),
		waitJS(`document.getElementById("status").textContent === "Enter the admin token to see the queues" && `+
			`document.getElementById("error").hidden && document.getElementById("topic-rows").children.length === 0`),
	)
}

// The page shows the API's refusals: 403 with no ADMIN_TOKEN, 503 when
// Redis does not answer.
func TestDashboardErrors(t *testing.T) {
	t.Parallel()
	port, err := redistest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	down := servicetest.Manager(t, "127.0.0.1:"+strconv.Itoa(port))
	up := servicetest.Manager(t, servicetest.Redis.Addr)
	ctx := browser(t)
	for _, tc := range []struct {
		name string
		api  http.Handler
		want string
	}{
		{"disabled", admin.New(up, admin.Options{}), "403 Forbidden: admin API disabled: set ADMIN_TOKEN"},
		{"redis down", admin.New(down, admin.Options{Token: token, Timeout: time.Second}), "503 Service Unavailable: queue unavailable"},
	} {
		mux := http.NewServeMux()
		mux.Handle("GET /dashboard", dashboard.Handler())
		mux.Handle("GET /dashboard/", dashboard.Handler())
		mux.Handle("/v1/", tc.api)
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := chromedp.Do(sctx,
			chromedp.Navigate(srv.URL+"/dashboard"),
			waitJS(`document.getElementById("status").textContent.startsWith("Enter the admin token")`),
			enterToken(""),
			waitJS(`!document.getElementById("error").hidden && document.getElementById("error").dataset.status !== "401"`),
		)
		var banner string
		if err == nil {
			banner, err = chromedp.Run(sctx, chromedp.TextContent(css("#error")))
		}
		cancel()
		if err != nil || !strings.HasPrefix(banner, tc.want) {
			t.Errorf("%s: banner %q, %v", tc.name, banner, err)
		}
	}
}

// The delayed messages of a topic: listed soonest first, run now, or
// cancelled after a confirm.
func TestDashboardDelayed(t *testing.T) {
	t.Parallel()
	base, m := startApp(t)
	topic := redistest.Topic(t)
	publishDelayed(t, m, topic, "dd-1", "dd-2")
	ctx, run := newTab(t)
	var accept atomic.Bool
	accept.Store(true)
	dialogs := answerDialogs(ctx, &accept)
	rowIDs := `[...document.querySelectorAll("#delayed-rows tr")].map(r => r.dataset.id).join(",")`

	run("open the delayed messages",
		signIn(base, topic),
		waitJS(cellIs(topic, "delayed", "2")+" && "+cellIs(topic, "pending", "0")),
		openTab(topic, "delayed"),
		waitJS(rowIDs+` === "dd-1,dd-2"`),
	)
	run("run dd-1 now",
		click(css(`#delayed-rows tr[data-id="dd-1"] button.run-now`)),
		waitJS(rowIDs+` === "dd-2"`),
		waitJS(`document.getElementById("notice").textContent.includes("Moved 1")`),
		waitJS(cellIs(topic, "delayed", "1")+" && "+cellIs(topic, "pending", "1")),
	)
	run("cancel dd-2",
		click(css(`#delayed-rows tr[data-id="dd-2"] button.cancel-delayed`)),
		waitJS(`document.getElementById("no-messages").hidden === false`),
		waitJS(`document.getElementById("notice").textContent.includes("Cancelled 1")`),
		waitJS(cellIs(topic, "delayed", "0")),
	)
	if dialogs.Load() != 1 {
		t.Errorf("%d confirms, want one before the cancel", dialogs.Load())
	}
	pending, err := m.Inspector().Pending(servicetest.Ctx(t), topic, 0, 10)
	if err != nil || len(pending) != 1 || pending[0].ID != "dd-1" {
		t.Fatalf("pending after the changes: %+v, %v", pending, err)
	}
	if st, _ := m.Inspector().Stats(servicetest.Ctx(t), topic); st == nil || st.Delayed != 0 {
		t.Fatalf("delayed after cancelling: %+v", st)
	}
}

// The Pause button pauses the topic in Redis and the row says so; Resume
// undoes it.
func TestDashboardPause(t *testing.T) {
	t.Parallel()
	base, m := startApp(t)
	topic := redistest.Topic(t)
	if err := m.GetQueue().Publish(servicetest.Ctx(t), topic, map[string]any{"n": 1}); err != nil {
		t.Fatal(err)
	}
	_, run := newTab(t)
	flip := css(`button.pause[data-topic="` + topic + `"]`)
	paused := func() bool {
		p, err := m.Inspector().Paused(servicetest.Ctx(t), topic)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	run("pause",
		signIn(base, topic),
		waitJS(cellIs(topic, "pending", "1")+" && "+cellIs(topic, "flow", "")),
		click(flip),
		waitJS(cellIs(topic, "flow", "Paused")),
		waitJS(`document.getElementById("notice").textContent.includes("Paused `+topic+`")`),
	)
	if !paused() {
		t.Fatal("the Pause button did not pause the topic")
	}
	run("resume",
		waitJS(`document.querySelector('button.pause[data-topic="`+topic+`"]').textContent === "Resume"`),
		click(flip),
		waitJS(cellIs(topic, "flow", "")),
		waitJS(`document.getElementById("notice").textContent.includes("Resumed `+topic+`")`),
	)
	if paused() {
		t.Fatal("the Resume button did not resume the topic")
	}
}
