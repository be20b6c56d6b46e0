package dashboard_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
	"goweb/services/gateway-worker/internal/servicetest"
)

// At 1400x900 the whole topics table, Pause and Resume included, fits its
// card with no sideways scroll, with the widest rows there are: a routed
// topic (its breaker shows) with flow limits, paused; a backlog nobody
// consumes (its warning shows); a topic of the longest name allowed. The
// Flow badges pass the accessibility audit, and at 390x844 the page still
// does not scroll sideways.
func TestDashboardWideTopicsFit(t *testing.T) {
	t.Parallel()
	recv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(recv.Close)
	rs := redistest.Start(t)
	const topic = "orders.created.eu-west"
	longest := strings.Repeat("tenant-0042.eu-west-1.", redis.MaxTopicLen/22) + strings.Repeat("x", redis.MaxTopicLen%22) // the longest name allowed
	base, m := startAppOn(t, rs.Addr, map[string]any{"worker.topics": topic, "dispatch.routes": topic + "=" + recv.URL,
		"worker.topic_options." + topic + ".rate_limit": "1000/s", "worker.topic_options." + topic + ".global_concurrency": 50})
	ctx0 := servicetest.Ctx(t)
	if err := m.Inspector().Pause(ctx0, topic); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := m.GetQueue().Publish(ctx0, topic, map[string]any{"order": "good"}); err != nil {
			t.Fatal(err)
		}
		if err := m.GetQueue().Publish(ctx0, "notifications.email.send", map[string]any{"to": "a@example.com"}); err != nil {
			t.Fatal(err)
		}
		if err := m.GetQueue().Publish(ctx0, longest, map[string]any{"n": 1}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, run := newTab(t)
	run("the overview at 1400x900",
		chromedp.EmulateViewport(1400, 900),
		signIn(base, ""),
		waitJS(flowIs(topic, "Paused · 1000/s · ≤ 50 at once")),
		waitJS(`!!document.querySelector('tr[data-topic="notifications.email.send"] [data-field="warning"]')`),
		settled,
	)
	for _, check := range []string{
		`document.getElementById("topics").parentElement.scrollWidth <= document.getElementById("topics").parentElement.clientWidth`,
		`[...document.querySelectorAll("#topic-rows button.pause")].every(b => b.getBoundingClientRect().right <= Math.min(window.innerWidth, ` +
			`document.getElementById("topics").parentElement.getBoundingClientRect().right))`,
		`document.documentElement.scrollWidth <= 1400`,
	} {
		if !evalBool(t, ctx, check) {
			cols, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#topic-head th")].map(e => (e.textContent || "actions") + " " + Math.round(e.getBoundingClientRect().width))`))
			t.Errorf("at 1400 px the topics table does not fit its card: false: %s\ncolumns: %q", check, cols)
		}
	}
	audit(t, ctx, "1400x900, a paused topic")
	// On a phone the table scrolls inside its card, the page does not.
	run("the overview at 390x844", chromedp.EmulateViewport(390, 844), settled)
	if !evalBool(t, ctx, `document.documentElement.scrollWidth <= 390`) {
		t.Error("at 390 px a paused topic with flow limits widens the page")
	}
}

// Opening a topic from the bottom of a full page of topics, at 1400 and
// 1920 wide, scrolls its panel (below the table) into view and moves the
// focus to its heading. The topic's name is a link to its view, so open
// in a new tab and copy link work too.
func TestDashboardOpenTopicReveals(t *testing.T) {
	t.Parallel()
	base, _ := startWithTopics(t, 60, "reveal.t%02d")
	ctx, run := newTab(t)
	run("sign in", chromedp.EmulateViewport(1400, 900), signIn(base, "reveal.t"),
		waitJS(`document.getElementById("topics-range").textContent === "1–50 of 60"`))
	if !evalBool(t, ctx, `document.querySelector('a.open-topic[data-topic="reveal.t49"]').getAttribute("href") === "#q=reveal.t&topic=reveal.t49"`) {
		href, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('a.open-topic[data-topic="reveal.t49"]').getAttribute("href")`))
		t.Errorf("the topic's link: href %q, want #q=reveal.t&topic=reveal.t49", href)
	}
	shown := `document.activeElement === document.getElementById("topic-title") && ` +
		`document.getElementById("topic-title").getBoundingClientRect().top >= 0 && ` +
		`document.getElementById("topic-title").getBoundingClientRect().bottom <= window.innerHeight`
	for i, w := range []int64{1400, 1920} {
		topic := fmt.Sprintf("reveal.t%02d", 49-i)
		run(fmt.Sprintf("open %s at %d wide", topic, w),
			chromedp.EmulateViewport(w, 900),
			js(`document.getElementById("close-topic").click(); window.scrollTo(0, 0)`),
			click(css(`a.open-topic[data-topic="`+topic+`"]`)),
			waitJS(`document.getElementById("topic-name").textContent === "`+topic+`"`),
			waitJS(shown),
			waitJS(`location.hash === "#q=reveal.t&topic=`+topic+`"`),
		)
	}
}
