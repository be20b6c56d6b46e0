package dashboard_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
	"goweb/services/gateway-worker/internal/servicetest"
)

// The view is kept in the URL: a reload, or the link, shows the same
// filter, sort, page, topic, tab and message, and Back and Forward step
// through the views. Ids that no path can carry (the browser resolves
// "..") are looked up and opened.
func TestDashboardViewInURL(t *testing.T) {
	t.Parallel()
	base, m := startWithTopics(t, 60, "view.t%02d")
	ctx, run := newTab(t)
	// Ids that a path cannot carry: the browser would resolve them.
	const topic = "view.t07"
	publishDelayed(t, m, topic, "..", "a/b", "?x#y")
	rows := `[...document.querySelectorAll("#topic-rows tr")].map(r => r.dataset.topic).join()`
	var page2 []string
	for i := 9; i >= 0; i-- {
		page2 = append(page2, fmt.Sprintf("view.t%02d", i))
	}
	pageOne := waitJS(`document.getElementById("topics-range").textContent === "1–50 of 60" && ` + rows + `.startsWith("view.t59,")`)
	pageTwo := waitJS(`document.getElementById("filter").value === "view.t" && ` +
		`document.querySelector('th[data-sort="name"]').getAttribute("aria-sort") === "descending" && ` +
		`document.getElementById("topics-range").textContent === "51–60 of 60" && ` + rows + ` === "` + strings.Join(page2, ",") + `"`)
	hashIs := func(want string) chromedp.Action[chromedp.Void] { return waitJS(`location.hash === "` + want + `"`) }

	run("filter, sort by name backwards, page 2",
		signIn(base, "view.t"),
		waitJS(`document.getElementById("topics-range").textContent === "1–50 of 60"`),
		click(css(`th[data-sort="name"] button`)),
		pageOne,
		click(css("#topics-next")),
		pageTwo,
		hashIs("#q=view.t&sort=-name&page=2"),
	)
	run("back to page 1, forward to page 2",
		js(`history.back(); 0`), pageOne, hashIs("#q=view.t&sort=-name"),
		js(`history.forward(); 0`), pageTwo,
	)
	run("reload: the same overview", chromedp.Reload(), pageTwo)

	tabShown := waitJS(`document.getElementById("topic-name").textContent === "` + topic + `" && ` +
		`document.querySelector('button.tab[data-tab="delayed"]').getAttribute("aria-selected") === "true" && ` +
		`document.querySelectorAll("#delayed-rows tr").length === 3`)
	run("a topic's delayed messages", openTab(topic, "delayed"), tabShown,
		hashIs("#q=view.t&sort=-name&page=2&topic="+topic+"&tab=delayed"))
	run("reload: the same tab", chromedp.Reload(), tabShown, pageTwo)

	detailOf := func(id string) chromedp.Action[chromedp.Void] {
		return waitJS(`document.getElementById("detail-id").textContent === ` + fmt.Sprintf("%q", id) + ` && ` +
			detail("state") + ` === "Delayed" && !document.getElementById("detail").hidden && ` +
			`JSON.parse(document.getElementById("detail-data").textContent).id === ` + fmt.Sprintf("%q", id))
	}
	run("look up ..",
		chromedp.SendKeys(css("#lookup-id"), ".."),
		click(css("#lookup-form button")),
		detailOf(".."),
		waitJS(detail("attempt")+` === "not delivered yet · attempt 1 is next"`),
		hashIs("#q=view.t&sort=-name&page=2&topic="+topic+"&tab=delayed&msg=.."),
	)
	run("open ?x#y and a/b from their rows",
		click(css(`#delayed-rows button.show[data-id="?x#y"]`)), detailOf("?x#y"),
		click(css(`#delayed-rows button.show[data-id="a/b"]`)), detailOf("a/b"),
		hashIs("#q=view.t&sort=-name&page=2&topic="+topic+"&tab=delayed&msg=a%2Fb"),
	)
	run("back and forward through the messages",
		js(`history.back(); 0`), detailOf("?x#y"),
		js(`history.back(); 0`), detailOf(".."),
		js(`history.back(); 0`), waitJS(`document.getElementById("detail").hidden`), tabShown,
		js(`history.forward(); 0`), detailOf(".."),
	)
	run("reload: the same message", chromedp.Reload(), detailOf(".."), tabShown)
	run("close the topic: the URL has the overview only",
		click(css("#close-topic")),
		waitJS(`document.getElementById("topic").hidden && document.getElementById("detail").hidden`),
		hashIs("#q=view.t&sort=-name&page=2"),
	)
	// A link with values the page cannot use shows the default view.
	run("a link with bad values",
		chromedp.Navigate(base+"/dashboard#sort=size&page=-3&topic=..&tab=gone&msg=x"),
		waitJS(`document.getElementById("topics-range").textContent === "1–50 of 61" && location.hash === ""`),
		waitJS(`document.getElementById("topic").hidden && document.getElementById("error").hidden`),
	)
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("filter").value`)); err != nil || got != "" {
		t.Errorf("filter after a link without q: %q, %v", got, err)
	}
}

// An in-flight message shows the attempt running, not the failed ones
// before it (the API's attempt).
func TestDashboardInFlightAttempt(t *testing.T) {
	t.Parallel()
	base, m := startApp(t)
	topic := redistest.Topic(t)
	if _, err := m.GetQueue().Enqueue(servicetest.Ctx(t), topic, map[string]any{"n": 1}, redis.WithID("running-1")); err != nil {
		t.Fatal(err)
	}
	holdOne(t, m, topic)
	_, run := newTab(t)
	run("the running message",
		signIn(base, topic),
		openTab(topic, "in_flight"),
		waitJS(`document.querySelector('#inflight-rows tr[data-id="running-1"] td[data-field="attempt"]')?.textContent === "0"`),
		click(css(`#inflight-rows button.show[data-id="running-1"]`)),
		waitJS(detail("state")+` === "In flight"`),
		waitJS(detail("attempt")+` === "attempt 1, in flight (running or prefetched)"`),
	)
}

// An edit of the filter is one history entry: Back after typing returns
// to the view before it (sorted), not further. A page past the end shows
// the last page.
func TestDashboardFilterHistory(t *testing.T) {
	t.Parallel()
	base, _ := startWithTopics(t, 60, "hist.t%02d")
	_, run := newTab(t)
	hashIs := func(want string) chromedp.Action[chromedp.Void] { return waitJS(`location.hash === "` + want + `"`) }
	run("sort, then filter in two bursts",
		signIn(base, ""),
		waitJS(`document.getElementById("topics-range").textContent === "1–50 of 61"`),
		click(css(`th[data-sort="name"] button`)), hashIs("#sort=-name"),
		chromedp.SendKeys(css("#filter"), "hist"), hashIs("#q=hist&sort=-name"),
		chromedp.SendKeys(css("#filter"), ".t0"), hashIs("#q=hist.t0&sort=-name"),
		waitJS(`document.getElementById("topics-range").textContent === "1–10 of 10"`),
	)
	run("back: the sorted view, then the first",
		js(`history.back(); 0`), hashIs("#sort=-name"),
		waitJS(`document.getElementById("filter").value === "" && document.getElementById("topics-range").textContent === "1–50 of 61"`),
		js(`history.back(); 0`), hashIs(""),
		js(`history.forward(); history.forward(); 0`), hashIs("#q=hist.t0&sort=-name"),
	)
	run("a page past the end: the last",
		chromedp.Navigate(base+"/dashboard#page=99"),
		waitJS(`document.getElementById("topics-range").textContent === "51–61 of 61"`),
		hashIs("#page=2"),
		waitJS(`document.getElementById("no-topics").hidden`),
	)
	run("the address with a slash: the page, its script running, the view kept",
		chromedp.Navigate(base+"/dashboard/#page=2"),
		waitJS(`location.pathname === "/dashboard" && document.getElementById("topics-range").textContent === "51–61 of 61"`),
	)
}

// A filter typed just before another change of the view (here the next
// page, within the filter's 200 ms pause) applies first, and the change
// after it: it used to apply 200 ms later and send the view back to the
// first page.
func TestDashboardFilterThenNextPage(t *testing.T) {
	t.Parallel()
	base, _ := startWithTopics(t, 60, "quick.t%02d")
	_, run := newTab(t)
	run("type a filter and turn the page at once",
		signIn(base, ""),
		waitJS(`document.getElementById("topics-range").textContent.startsWith("1–50 of ") && !document.getElementById("topics-next").disabled`),
		js(`{ const f = document.getElementById("filter"); f.value = "quick.t"; f.dispatchEvent(new Event("input")); `+
			`document.getElementById("topics-next").click(); } 0`),
		waitJS(`document.getElementById("topics-range").textContent === "51–60 of 60" && location.hash === "#q=quick.t&page=2"`),
	)
}
