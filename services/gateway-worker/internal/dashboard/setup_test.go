package dashboard_test

// The set-up the browser tests share: the service, its Redis and topics,
// a browser tab signed in to the dashboard, and the steps they run in it.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"goweb/pkg/config"
	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
	"goweb/services/gateway-worker/internal/app"
	"goweb/services/gateway-worker/internal/servicetest"
)

// step runs a named step's actions in a tab; see stepper.
type step = func(name string, actions ...chromedp.Action[chromedp.Void])

// newTab starts a browser and returns its tab and the function that runs
// steps in it.
func newTab(t *testing.T) (context.Context, step) {
	t.Helper()
	ctx := browser(t)
	return ctx, stepper(t, ctx)
}

// signIn loads the dashboard of the service at base and enters the token;
// see enterToken.
func signIn(base, filter string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.Navigate(base+"/dashboard"), enterToken(filter))
}

// enterToken enters the admin token in the page and, unless filter is
// empty, types filter into the topics' filter.
func enterToken(filter string) chromedp.Action[chromedp.Void] {
	steps := []chromedp.Action[chromedp.Void]{chromedp.SendKeys(css("#token"), token), click(css("#save-token"))}
	if filter != "" {
		steps = append(steps, chromedp.SendKeys(css("#filter"), filter))
	}
	return chromedp.Steps(steps...)
}

// startWithTopics runs the service on a Redis of its own, consuming only
// user.notification, with n other topics of a message each, named
// fmt.Sprintf(format, i), published from a few goroutines.
func startWithTopics(t *testing.T, n int, format string) (baseURL string, m *redis.Manager) {
	t.Helper()
	rs := redistest.Start(t)
	base, m := startAppOn(t, rs.Addr, map[string]any{"worker.topics": "user.notification"})
	const workers = 8
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				if err := m.GetQueue().Publish(servicetest.Ctx(t), fmt.Sprintf(format, i), map[string]any{"n": i}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return base, m
}

// publishDelayed publishes a message {"id": id} for each id to topic,
// the first due in an hour, the next in two and so on.
func publishDelayed(t *testing.T, m *redis.Manager, topic string, ids ...string) {
	t.Helper()
	for n, id := range ids {
		if err := m.GetQueue().PublishWithDelay(servicetest.Ctx(t), topic, map[string]any{"id": id}, time.Duration(n+1)*time.Hour, redis.WithID(id)); err != nil {
			t.Fatal(err)
		}
	}
}

// holdOne consumes topic with a handler that holds the first message it
// takes, so that it stays in flight until the test ends.
func holdOne(t *testing.T, m *redis.Manager, topic string) {
	t.Helper()
	started, stop := make(chan struct{}), make(chan struct{})
	var once sync.Once
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- m.GetQueue().Subscribe(ctx, topic, func(context.Context, *redis.Message) error {
			once.Do(func() { close(started) })
			<-stop
			return errors.New("held")
		}, redis.WithConcurrency(1))
	}()
	t.Cleanup(func() {
		close(stop)
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	select {
	case <-started:
	case <-time.After(20 * time.Second):
		t.Fatal("no message taken")
	}
}

// chromium returns the browser to drive. CI installs it, so a missing
// browser fails the test rather than skipping it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Fatal("no Chromium found in PATH (tried chromium, chromium-browser, google-chrome, headless-shell): " +
		"install it with `apt-get install -y chromium`; .ci/run does")
	return ""
}

// browser returns a new tab of the package's headless Chromium, at
// 1280x800, refreshing its page refreshSpeedUp times as often as in
// production, and closed at cleanup. One browser serves every test:
// starting one per test cost the package more CPU than its tests. Each
// test's service has a port of its own, so tabs share no origin and no
// storage.
func browser(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(sharedBrowser(t))
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: quickRefresh}); err != nil {
		t.Fatalf("speed the tab's refresh up: %v", err)
	}
	return ctx
}

// refreshSpeedUp is how much more often than in production the page
// refreshes in the tests: every 500 ms instead of every 2 s.
const refreshSpeedUp = 4

// quickRefresh runs before the page's script and makes its repeating
// timers (its only one is the refresh, every REFRESH_MS) fire
// refreshSpeedUp times as often. It drives the page's clock: what a
// refresh does is unchanged, and a test waiting for one, or for several,
// waits a quarter as long. The page still says "every 2 s".
var quickRefresh = fmt.Sprintf(
	`{ const every = window.setInterval; window.setInterval = (f, ms, ...args) => every(f, ms / %d, ...args); }`, refreshSpeedUp)

// shared is the package's browser, started by the first test that needs
// it and stopped by TestMain (closeBrowser) after the last.
var shared struct {
	sync.Mutex
	ctx  context.Context // the browser's first tab: new tabs are made from it
	stop func()
}

// sharedBrowser starts the browser once, as root in a container: no
// sandbox, no GPU, no /dev/shm.
func sharedBrowser(t *testing.T) context.Context {
	t.Helper()
	shared.Lock()
	defer shared.Unlock()
	if shared.ctx != nil {
		return shared.ctx
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 800),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("start Chromium: %v", err)
	}
	shared.ctx = ctx
	shared.stop = func() {
		cancel()
		cancelAlloc() // waits for the browser process to exit
	}
	return ctx
}

// closeBrowser stops the shared browser, if one was started, so that no
// goroutine outlives the tests.
func closeBrowser() {
	shared.Lock()
	defer shared.Unlock()
	if shared.stop != nil {
		shared.stop()
		shared.ctx, shared.stop = nil, nil
	}
}

// startApp runs the whole service with the admin token, consuming only
// user.notification, so the test's topic keeps its messages.
func startApp(t *testing.T) (baseURL string, m *redis.Manager) {
	t.Helper()
	return startAppWith(t, map[string]any{"worker.topics": "user.notification"})
}

// startAppWith is startApp with more settings.
func startAppWith(t *testing.T, settings map[string]any) (baseURL string, m *redis.Manager) {
	t.Helper()
	host, redisPort, _ := net.SplitHostPort(servicetest.Redis.Addr)
	appPort, err := redistest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]any{
		"redis.host": host, "redis.port": redisPort, "app.port": appPort,
		"admin.token": token, "shutdown.timeout": "2s",
	}
	maps.Copy(values, settings)
	cfg := config.NewFromMap(values)
	a, err := app.New(context.Background(), app.Options{Config: cfg, Log: logger.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("app: %v", err)
		}
	})
	return "http://127.0.0.1:" + strconv.Itoa(appPort), servicetest.Manager(t, servicetest.Redis.Addr)
}

// seed gives topic two dead letters (dl-1, dl-2), failed by a real
// consumer, and then three pending messages.
func seed(t *testing.T, m *redis.Manager, topic string) {
	t.Helper()
	ctx := servicetest.Ctx(t)
	q := m.GetQueue()
	for _, id := range []string{"dl-1", "dl-2"} {
		if _, err := q.Enqueue(ctx, topic, map[string]any{"order_id": id}, redis.WithID(id)); err != nil {
			t.Fatal(err)
		}
	}
	var settled atomic.Int32
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- q.Subscribe(sctx, topic, func(context.Context, *redis.Message) error {
			return redis.SkipRetry(errors.New("smtp: connection refused"))
		}, redis.WithObserver(func(redis.Event) { settled.Add(1) }))
	}()
	servicetest.Eventually(t, 20*time.Second, "two dead letters", func() bool { return settled.Load() == 2 })
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := q.Enqueue(ctx, topic, map[string]any{"n": i}); err != nil {
			t.Fatal(err)
		}
	}
}

// waitJS polls a JavaScript expression in the page until it is true.
func waitJS(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(15*time.Second))
}

// css selects the first element matching a CSS selector.
type css = chromedp.CSS

// click finds and clicks the element sel selects in one step in the page,
// once it is there, enabled and shown: chromedp.Click looks a node up and
// then clicks it by id, and a refresh that redraws a table in between
// leaves an id that no longer exists.
func click(sel css) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](fmt.Sprintf(
		`(() => { const e = document.querySelector(%q); if (!e || e.disabled || e.offsetParent === null) return false; e.click(); return true; })()`,
		string(sel)))
}

// openTab opens the topic's page on one tab of its messages.
func openTab(topic, tab string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		click(css(`a.open-topic[data-topic="`+topic+`"]`)),
		waitJS(`document.getElementById("topic-name").textContent === "`+topic+`"`),
		click(css(`button.tab[data-tab="`+tab+`"]`)),
		waitJS(`document.querySelector('button.tab[data-tab="`+tab+`"]').getAttribute("aria-selected") === "true"`),
	)
}

func cellIs(topic, field, want string) string {
	return `(document.querySelector('tr[data-topic="` + topic + `"] td[data-field="` + field + `"]') || {}).textContent === "` + want + `"`
}

// answerDialogs answers every confirm of the tab as accept says when it
// opens (a confirm blocks the click that opened it), counts them and keeps
// their messages. It ends with the tab.
func answerDialogs(ctx context.Context, accept *atomic.Bool) *dialogLog {
	var d dialogLog
	opening := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range opening {
			if err != nil {
				return
			}
			d.mu.Lock()
			d.messages = append(d.messages, ev.Message)
			d.mu.Unlock()
			d.n.Add(1)
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: accept.Load()})
		}
	}()
	return &d
}

// dialogLog counts the dialogs answerDialogs answered and keeps their
// messages.
type dialogLog struct {
	n        atomic.Int32
	mu       sync.Mutex
	messages []string
}

// Load returns how many dialogs opened.
func (d *dialogLog) Load() int32 { return d.n.Load() }

// Messages returns their messages, oldest first.
func (d *dialogLog) Messages() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.messages...)
}

// stepper returns a function that runs a named step's actions within 30 s
// and fails the test with the page's HTML if they do not complete.
func stepper(t *testing.T, ctx context.Context) func(string, ...chromedp.Action[chromedp.Void]) {
	return func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			html, _ := chromedp.Run(ctx, chromedp.OuterHTML(css("main")))
			t.Fatalf("%s: %v\npage:\n%s", step, err, html)
		}
	}
}

// startAppOn is startAppWith on the redis-server at addr, with a manager
// of it.
func startAppOn(t *testing.T, addr string, settings map[string]any) (baseURL string, m *redis.Manager) {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	settings["redis.host"], settings["redis.port"] = host, port
	base, _ := startAppWith(t, settings)
	return base, servicetest.Manager(t, addr)
}

// artifacts is where the browser tests write their screenshots:
// $DASHBOARD_ARTIFACTS, or a directory of the test's own.
func artifacts(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("DASHBOARD_ARTIFACTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.TempDir()
}

// screenshot saves the viewport at width x height as name.png.
func screenshot(t *testing.T, ctx context.Context, dir, name string, width, height int64) {
	t.Helper()
	err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height), js(`document.activeElement.blur(); `+
		`document.querySelectorAll(".scroll").forEach(e => e.scrollLeft = 0); window.scrollTo(0, 0)`), settled)
	var png []byte
	if err == nil {
		png, err = chromedp.Run(ctx, chromedp.CaptureScreenshot())
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	}
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	t.Logf("screenshot %s", filepath.Join(dir, name+".png"))
}

// axePath is axe-core's script, installed by make test-deps.
const axePath = "../../../../test/npm/node_modules/axe-core/axe.min.js"

// audit runs axe-core in the page and fails the test on any violation of
// impact serious or critical.
func audit(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	src, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatalf("axe-core is missing (%v): run `make test-deps`, which installs test/npm with npm ci", err)
	}
	// DevTools' evaluation is not subject to the page's CSP.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](string(src)+";0")); err != nil {
		t.Fatalf("inject axe-core: %v", err)
	}
	found, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations`+
		`.filter(v => v.impact === "serious" || v.impact === "critical")`+
		`.map(v => v.impact + " " + v.id + ": " + v.help + " at " + v.nodes.slice(0, 5).map(n => n.target.join(" ")).join(", ")))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe.run: %v", err)
	}
	for _, v := range found {
		t.Errorf("accessibility (%s): %s", what, v)
	}
}

// settled waits for the page to lay out and paint (two animation frames).
var settled = js(`new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(0))))`, chromedp.EvalAwaitPromise)

// js runs a JavaScript expression in the page, as a step.
func js(expr string, opts ...chromedp.EvaluateOption) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[any](expr, opts...)(ctx, t)
		return err
	})
}

func evalBool(t *testing.T, ctx context.Context, expr string) bool {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

const detailField = `(document.querySelector('#detail-facts [data-field="%s"]') || {}).textContent`

func detail(field string) string { return strings.Replace(detailField, "%s", field, 1) }
