package dashboard_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"goweb/pkg/redis/redistest"
)

// The second stranger's report (defects 1-3 and 5): a phone-wide page with
// 300 topics does not scroll sideways and shows the counts; a 250-byte id
// wraps inside its card and is found by look-up; Forget clears what the
// token loaded.
func TestDashboardNarrowAndLongIDs(t *testing.T) {
	t.Parallel()
	base, m := startWithTopics(t, 300, "order.reminder.%03d")
	long := strings.Repeat("L", 250)
	publishDelayed(t, m, "order.reminder.000", long)
	ctx, run := newTab(t)
	run("the overview at 390x844",
		chromedp.EmulateViewport(390, 844),
		signIn(base, ""),
		waitJS(`document.querySelectorAll("#topic-rows tr").length === 50`),
		settled,
	)
	if !evalBool(t, ctx, `document.documentElement.scrollWidth <= 390`) {
		w, _ := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.documentElement.scrollWidth`))
		wide, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > 391 && !e.closest(".scroll table")).slice(0, 12).map(e => e.tagName + "#" + e.id + "." + e.className + " " + Math.round(e.getBoundingClientRect().right))`))
		t.Errorf("at 390 px the page is %v px wide: %q", w, wide)
	}
	if !evalBool(t, ctx, `document.querySelector('#topic-rows tr td[data-field="pending"]').getBoundingClientRect().right <= 390`) {
		t.Error("at 390 px the Pending count is off screen")
	}
	// The chart draws once its history has come, which may be after the rows.
	run("a chart of no activity says so",
		waitJS(`[...document.querySelectorAll("#history-chart svg text")].some(e => e.textContent === "no activity")`))
	if !evalBool(t, ctx, `document.getElementById("token").scrollWidth <= document.getElementById("token").clientWidth + 1`) {
		t.Error("at 390 px the token's placeholder is cut off")
	}

	run("the long id on the topic page at 1400x900",
		chromedp.EmulateViewport(1400, 900),
		js(`document.getElementById("filter").value = "order.reminder.000"; document.getElementById("filter").dispatchEvent(new Event("input")); 0`),
		waitJS(`document.querySelectorAll("#topic-rows tr").length === 1`),
		openTab("order.reminder.000", "delayed"),
		waitJS(`document.querySelectorAll("#delayed-rows tr").length === 1`),
		settled,
	)
	for _, check := range []string{
		`document.documentElement.scrollWidth <= 1400`,
		`document.querySelector("#delayed-rows button.show").getBoundingClientRect().right <= document.getElementById("topic").getBoundingClientRect().right`,
		`document.querySelector("#delayed-rows button.run-now").getBoundingClientRect().right <= document.getElementById("topic").getBoundingClientRect().right`,
	} {
		if !evalBool(t, ctx, check) {
			t.Errorf("a 250-byte id does not wrap: false: %s", check)
		}
	}
	run("look the long id up",
		chromedp.SendKeys(css("#lookup-id"), long),
		click(css(`#lookup-form button`)),
		waitJS(detail("state")+` === "Delayed"`),
		settled,
	)
	if !evalBool(t, ctx, `document.getElementById("detail-id").textContent.length === 250 && `+
		`document.getElementById("detail-id").getBoundingClientRect().right <= document.getElementById("detail").getBoundingClientRect().right && `+
		`document.documentElement.scrollWidth <= 1400`) {
		t.Error("the message panel's title runs past its card")
	}

	if !evalBool(t, ctx, `document.getElementById("detail-entry-title").textContent === "Entry, decoded"`) {
		t.Error("the entry's heading does not say it is decoded")
	}
	run("look up an invalid id",
		js(`document.getElementById("lookup-id").value = "é"; 0`),
		click(css(`#lookup-form button`)),
		waitJS(detail("state")+`?.includes("id")`),
		waitJS(`document.getElementById("detail-body").hidden && document.getElementById("error").hidden`),
	)

	run("forget the token",
		click(css("#forget-token")),
		waitJS(`document.getElementById("status").textContent === "Enter the admin token to see the queues" && document.getElementById("error").hidden`),
		waitJS(`document.querySelectorAll("#topic-rows tr").length === 0 && document.getElementById("redis-facts").children.length === 0 && `+
			`document.getElementById("topic").hidden && document.getElementById("detail").hidden && `+
			`document.getElementById("detail-data").textContent === "" && document.getElementById("history-chart").children.length === 0`),
	)
}

// At 390 px a dead letter's cells stack: its reason, entry and Requeue
// show within the screen, with no sideways scroll, each after its
// column's name.
func TestDashboardNarrowDeadLetters(t *testing.T) {
	t.Parallel()
	base, m := startApp(t)
	topic := redistest.Topic(t)
	seed(t, m, topic)
	ctx, run := newTab(t)
	run("the dead letters at 390x844",
		chromedp.EmulateViewport(390, 844),
		signIn(base, topic),
		openTab(topic, "dead"),
		waitJS(`document.querySelectorAll("#dead-rows tr").length === 2`),
		settled,
	)
	for _, check := range []string{
		`[...document.querySelectorAll('#dead-rows [data-field="reason"], #dead-rows [data-field="entry"], #dead-rows button.requeue')].every(e => e.getBoundingClientRect().right <= 390 && e.getBoundingClientRect().width > 0)`,
		`document.querySelector("#tab-panel .scroll").scrollWidth <= document.querySelector("#tab-panel .scroll").clientWidth`,
		`getComputedStyle(document.querySelector('#dead-rows [data-field="reason"]'), "::before").content === '"Reason: "'`,
		`document.documentElement.scrollWidth <= 390`,
	} {
		if !evalBool(t, ctx, check) {
			t.Errorf("at 390 px: false: %s", check)
		}
	}
	audit(t, ctx, "390x844, the dead letters")
}
