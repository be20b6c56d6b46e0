package dashboard_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
	"goweb/services/gateway-worker/internal/servicetest"
)

// TestDashboardShowsARoute: a routed topic's row shows its breaker state,
// and its dead letter the attempt the endpoint refused.
func TestDashboardShowsARoute(t *testing.T) {
	t.Parallel()
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "unknown order", http.StatusBadRequest)
	}))
	t.Cleanup(recv.Close)
	topic := redistest.Topic(t)
	base, m := startAppWith(t, map[string]any{"worker.topics": topic, "dispatch.routes": topic + "=" + recv.URL})
	if _, err := m.GetQueue().Enqueue(servicetest.Ctx(t), topic, map[string]any{"order_id": "o-1"}, redis.WithID("o-1")); err != nil {
		t.Fatal(err)
	}
	servicetest.Eventually(t, 10*time.Second, "dead letter", func() bool {
		s, err := m.Inspector().Stats(servicetest.Ctx(t), topic)
		return err == nil && s.Dead == 1
	})
	ctx, run := newTab(t)
	row := `document.querySelector('#topic-rows tr[data-topic="` + topic + `"]')`
	run("the breaker in the topic's row",
		signIn(base, topic),
		waitJS(row+` && `+row+`.querySelector('[data-field="breaker"]')?.textContent === " · breaker closed"`),
	)
	run("the dead letter's attempt", openTab(topic, "dead"),
		waitJS(`document.querySelectorAll('#dead-rows tr [data-field="attempts"] li').length === 1`),
	)
	got, err := chromedp.Run(ctx, chromedp.TextContent(css(`#dead-rows tr [data-field="attempts"] li`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "HTTP 400") || !strings.Contains(got, "unknown order") || !strings.Contains(got, " ms · ") {
		t.Errorf("attempt shown as %q", got)
	}
}
