package dashboard_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
	"goweb/services/gateway-worker/internal/servicetest"
)

// Ten messages of a megabyte each: the list answer carries previews (under
// 10 KB), the open message shows all of its data, and a refresh with the
// message open moves under 50 KB (the message is not downloaded again).
func TestDashboardBigMessages(t *testing.T) {
	t.Parallel()
	base, m := startApp(t)
	topic := redistest.Topic(t)
	blob := strings.Repeat("x", 1000*1000)
	for i := range 10 {
		if _, err := m.GetQueue().Enqueue(servicetest.Ctx(t), topic, map[string]any{"blob": blob}, redis.WithID(fmt.Sprintf("big-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	ctx, run := newTab(t)
	listSize := `performance.getEntriesByType("resource").filter(e => e.name.includes("/messages?state=pending")).map(e => e.encodedBodySize).pop()`
	run("open a big message",
		signIn(base, topic),
		js(`performance.setResourceTimingBufferSize(10000); 0`), // the default 250 entries fill up in a slow run
		openTab(topic, "pending"),
		waitJS(`document.querySelectorAll("#pending-rows tr").length === 10`),
		waitJS(listSize+` > 0`),
		click(css(`#pending-rows button.show[data-id="big-3"]`)),
		waitJS(`(() => { try { return JSON.parse(document.getElementById("detail-data").textContent).blob.length === 1000000 } catch { return false } })()`),
	)
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[float64](listSize)); err != nil || n >= 15<<10 {
		t.Errorf("the list answer is %v bytes (%v), want < 15 KB (1.5 KB a message)", n, err)
	}
	// Two refreshes with the message open: the requests begun by the time
	// the second lookup of the message was (a refresh asks for the message
	// last, so the next one's requests begin after it), read in the same
	// evaluation that sees that lookup done, so that a third refresh under
	// way adds nothing.
	run("clear the timings", js(`performance.clearResourceTimings(); 0`))
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	sizes, err := chromedp.Run(wctx, chromedp.Poll[[]string](`(() => {
		const all = performance.getEntriesByType("resource");
		const lookups = all.filter(e => e.name.includes("messages:lookup"));
		if (lookups.length < 2) return null;
		return all.filter(e => e.startTime <= lookups[1].startTime)
			.map(e => e.transferSize + " " + e.responseStatus + " " + e.name.replace(/^.*\/\/[^/]+/, ""));
	})()`, chromedp.WithPollingTimeout(25*time.Second)))
	if err != nil {
		html, _ := chromedp.Run(ctx, chromedp.OuterHTML(css("main")))
		t.Fatalf("two refreshes: %v\npage:\n%s", err, html)
	}
	lookups, total := 0, 0
	for _, s := range sizes {
		var n, status int
		var name string
		if _, err := fmt.Sscan(s, &n, &status, &name); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if strings.Contains(name, "messages:lookup") {
			lookups++
		}
		total += n
	}
	if lookups != 2 {
		t.Errorf("%d lookups of the message counted, want the two refreshes':\n%s", lookups, strings.Join(sizes, "\n"))
	}
	if total >= 50<<10 {
		t.Errorf("two refreshes moved %d bytes, want < 50 KB:\n%s", total, strings.Join(sizes, "\n"))
	}
	t.Logf("two refreshes: %d bytes:\n%s", total, strings.Join(sizes, "\n"))
}
