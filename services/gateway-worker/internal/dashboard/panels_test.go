package dashboard_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
	"goweb/services/gateway-worker/internal/servicetest"
)

// TestDashboardPanels drives every panel and action of the page against the
// whole service on a Redis of its own, with a routed topic the service
// consumes: the overview with its counts, sparkline and warning mark, the
// history charts, the Redis panel, the topic page's tabs, the message
// panel, lookup by id, requeue, pause and resume, the time zone; then it
// saves screenshots and audits the page's accessibility.
func TestDashboardPanels(t *testing.T) {
	t.Parallel()
	var rejecting atomic.Bool // the receiver refuses "bad" orders while set
	rejecting.Store(true)
	var delivered atomic.Int32
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if rejecting.Load() && strings.Contains(string(body), `"bad"`) {
			http.Error(w, "unknown order", http.StatusBadRequest)
			return
		}
		delivered.Add(1)
	}))
	t.Cleanup(recv.Close)
	rs := redistest.Start(t)
	const topic = "orders.created"
	base, m := startAppOn(t, rs.Addr, map[string]any{"worker.topics": topic, "dispatch.routes": topic + "=" + recv.URL,
		"worker.topic_options." + topic + ".rate_limit": "1000/s", "worker.topic_options." + topic + ".global_concurrency": 50})
	ctx0 := servicetest.Ctx(t)
	q := m.GetQueue()
	for i := range 3 {
		if _, err := q.Enqueue(ctx0, topic, map[string]any{"order": "good", "n": i}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := q.Enqueue(ctx0, topic, map[string]any{"order": "bad"}, redis.WithID("bad-1"), redis.WithHeaders(map[string]string{"trace": "t-1"})); err != nil {
		t.Fatal(err)
	}
	// Topics nobody consumes, for the overview: a backlog, delayed ones.
	for i := range 40 {
		if err := q.Publish(ctx0, "email.send", map[string]any{"to": "user" + strconv.Itoa(i) + "@example.com"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.PublishWithDelay(ctx0, "billing.invoice", map[string]any{"invoice": 7}, time.Hour, redis.WithID("d-1")); err != nil {
		t.Fatal(err)
	}
	insp := m.Inspector()
	servicetest.Eventually(t, 20*time.Second, "3 processed and 1 dead letter", func() bool {
		s, err := insp.Stats(ctx0, topic)
		return err == nil && s.Processed == 3 && s.Dead == 1
	})

	ctx, run := newTab(t)
	run("overview",
		chromedp.EmulateViewport(1400, 900),
		signIn(base, ""),
		waitJS(cellIs(topic, "processed", "3")+" && "+cellIs(topic, "dead", "1")+" && "+cellIs(topic, "failed", "1")+
			" && "+cellIs(topic, "dead_total", "1")+" && "+cellIs(topic, "retried", "0")+" && "+cellIs("email.send", "pending", "40")),
		waitJS(`document.querySelector('tr[data-topic="`+topic+`"] svg.spark').getAttribute("aria-label") === "3 processed in the last 30 minutes"`),
		waitJS(`!!document.querySelector('tr[data-topic="email.send"] [data-field="warning"]') && !document.querySelector('tr[data-topic="`+topic+`"] [data-field="warning"]')`),
		waitJS(`document.getElementById("topics-range").textContent === "1–3 of 3"`),
		waitJS(flowIs(topic, "1000/s · ≤ 50 at once")),
	)
	run("Redis panel",
		waitJS(`document.querySelector('#redis-facts [data-field="mode"]')?.textContent === "single"`),
		waitJS(`/^\d+\.\d+/.test(document.querySelector('#redis-facts [data-field="version"]').textContent)`),
		waitJS(`document.querySelector('#redis-facts [data-field="nodes"]').textContent === "`+rs.Addr+` · master"`),
	)
	// The chart counts this Redis' settlements of the last hour: the three
	// processed and the bad order's failed attempt.
	run("history of all topics",
		waitJS(`document.getElementById("history-summary").textContent.endsWith("last 60 min: 3 processed, 1 failed")`),
		waitJS(`document.querySelectorAll("#history-chart svg g[data-minute]").length === 60`),
	)
	// The sort and the filter are the server's.
	run("sort by pending, largest first",
		click(css(`th[data-sort="pending"] button`)),
		waitJS(`[...document.querySelectorAll("#topic-rows tr")].map(r => r.dataset.topic).join(",") === "email.send,billing.invoice,`+topic+`"`),
		waitJS(`document.querySelector('th[data-sort="pending"]').getAttribute("aria-sort") === "descending"`),
		chromedp.SendKeys(css("#filter"), "ORDERS"),
		waitJS(`[...document.querySelectorAll("#topic-rows tr")].map(r => r.dataset.topic).join(",") === "`+topic+`"`),
	)

	run("topic page, dead letters", openTab(topic, "dead"),
		waitJS(`document.querySelectorAll("#dead-rows tr").length === 1 && document.querySelector("#dead-rows tr").dataset.id === "bad-1"`),
		waitJS(`document.getElementById("topic-summary").textContent.endsWith("last 60 min: 3 processed, 1 failed")`),
		waitJS(`document.querySelector('button.tab[data-tab="dead"] [data-count]').textContent === "(1)"`),
	)
	run("message panel",
		click(css(`#dead-rows button.show[data-id="bad-1"]`)),
		waitJS(detail("state")+` === "Dead letter"`),
		waitJS(`document.getElementById("detail-data").textContent === '{\n  "order": "bad"\n}'`),
		waitJS(`document.querySelector("#detail-headers dd")?.textContent === "t-1"`),
		waitJS(`document.querySelectorAll("#detail-attempts li").length === 1 && document.querySelector("#detail-attempts li").textContent.includes("HTTP 400 · ")`),
		waitJS(detail("last_error")+`.includes("400")`),
	)
	// Times: UTC or local, each with its zone, and relative.
	run("times in UTC",
		js(`document.getElementById("zone").value = "utc"; document.getElementById("zone").dispatchEvent(new Event("change")); 0`),
		waitJS(`/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC · (now|\d+ s ago)$/.test(`+detail("failed_at")+`)`),
	)
	run("times local",
		js(`document.getElementById("zone").value = "local"; document.getElementById("zone").dispatchEvent(new Event("change")); 0`),
		waitJS(`/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC[+−]\d\d:\d\d · (now|\d+ s ago|1 min ago)$/.test(`+detail("failed_at")+`)`),
	)

	// Requeue the dead letter from its panel, once the receiver takes it:
	// it is processed.
	rejecting.Store(false)
	run("requeue and see it processed",
		click(css(`#detail-actions button.requeue`)),
		waitJS(`document.getElementById("notice").textContent.includes("Requeued 1")`),
		waitJS(cellIs(topic, "processed", "4")+" && "+cellIs(topic, "dead", "0")),
		waitJS(`document.getElementById("no-messages").hidden === false`),
	)
	if n := delivered.Load(); n != 4 {
		t.Errorf("the receiver took %d messages, want 4", n)
	}

	// Pause: published messages wait; resume: they are processed.
	run("pause",
		click(css(`button.pause[data-topic="`+topic+`"]`)),
		waitJS(flowIs(topic, "Paused · 1000/s · ≤ 50 at once")),
		waitJS(`document.getElementById("topic-pause").textContent === "Resume"`),
	)
	for _, id := range []string{"p-1", "p-2"} {
		if _, err := q.Enqueue(ctx0, topic, map[string]any{"order": "good"}, redis.WithID(id)); err != nil {
			t.Fatal(err)
		}
	}
	// Entries may wrap after their JSON commas, colons and opening
	// brackets, never inside a string.
	run("see the messages wait", click(css(`button.tab[data-tab="pending"]`)),
		waitJS(`document.querySelector('#pending-rows tr[data-id="p-1"] td[data-field="entry"]')?.innerHTML.endsWith('"data":<wbr>{<wbr>"order":<wbr>"good"}}')`),
	)
	time.Sleep(1500 * time.Millisecond) // nothing to wait for: nothing may happen
	if s, err := insp.Stats(ctx0, topic); err != nil || s.Processed != 4 || s.Pending+s.InFlight != 2 || delivered.Load() != 4 {
		t.Fatalf("a paused topic was consumed: %+v, %v; delivered %d", s, err, delivered.Load())
	}
	run("look a message up by id",
		chromedp.SendKeys(css("#lookup-id"), "p-2"),
		click(css("#lookup-form button")),
		waitJS(`document.getElementById("detail-id").textContent === "p-2"`),
		waitJS(`["Pending", "In flight"].includes(`+detail("state")+`)`),
		waitJS(`document.getElementById("detail-data").textContent === '{\n  "order": "good"\n}'`),
	)

	run("resume and see them processed",
		click(css(`button.pause[data-topic="`+topic+`"]`)),
		waitJS(flowIs(topic, "1000/s · ≤ 50 at once")),
		waitJS(cellIs(topic, "processed", "6")+" && "+cellIs(topic, "pending", "0")),
	)

	// Delete a pending message, from the other topic's page.
	var accept atomic.Bool
	accept.Store(true)
	dialogs := answerDialogs(ctx, &accept)
	run("delete a pending message",
		click(css(`#close-detail`)),
		js(`document.getElementById("filter").value = ""; document.getElementById("filter").dispatchEvent(new Event("input")); 0`),
		openTab("email.send", "pending"),
		waitJS(`document.querySelectorAll("#pending-rows tr").length === 40`),
		js(`document.querySelector("#pending-rows tr button.delete-pending").click(); 0`),
		waitJS(`document.getElementById("notice").textContent.includes("Deleted 1 pending message")`),
		waitJS(cellIs("email.send", "pending", "39")),
	)
	if dialogs.Load() != 1 {
		t.Errorf("%d confirms before the delete, want 1", dialogs.Load())
	}

	// Screenshots and the accessibility audit, with every panel open.
	run("a message of the topic",
		// Not the row just deleted, which the tab lists until it refreshes.
		waitJS(`document.querySelectorAll("#pending-rows tr").length === 39`),
		click(css(`#pending-rows tr button.show`)),
		waitJS(detail("state")+` === "Pending"`),
	)
	dir := artifacts(t)
	screenshot(t, ctx, dir, "dashboard-1400x900", 1400, 900)
	audit(t, ctx, "1400x900")
	screenshot(t, ctx, dir, "dashboard-390x844", 390, 844)
	audit(t, ctx, "390x844")
	if wide, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("body *")]`+
		`.filter(e => e.getBoundingClientRect().right > 391 && !e.closest(".scroll"))`+
		`.map(e => e.tagName + "#" + e.id + "." + e.className + " " + Math.round(e.getBoundingClientRect().right))`)); err != nil || len(wide) > 0 {
		t.Errorf("at 390 px these stick out of the screen (only tables may scroll, inside their cards): %q, %v", wide, err)
	}
}

// flowIs says that topic's Flow cell has the badges of want, separated by
// " · ": whether it is paused and the limits it is consumed with (the rate
// limit as the server spells it: 1000/s or 1000/1s).
func flowIs(topic, want string) string {
	return `[...document.querySelectorAll('tr[data-topic="` + topic + `"] td[data-field="flow"] .badge')].map(b => b.textContent).join(" · ").replace("/1s", "/s") === "` + want + `"`
}
