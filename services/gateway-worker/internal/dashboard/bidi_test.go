package dashboard_test

import (
	"testing"

	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
	"goweb/services/gateway-worker/internal/servicetest"
)

// Bidirectional controls and other invisible characters in a message show
// as visible escapes in marked spans, in its row and in its detail, so the
// text reads as it is stored; the escapes are JSON's, so the data shown
// still parses to what was published.
func TestDashboardInvisibleCharacters(t *testing.T) {
	t.Parallel()
	base, m := startApp(t)
	topic := redistest.Topic(t)
	const name = "invoice\u202eFDP.exe\u2066\u200f\u200b"
	if _, err := m.GetQueue().Enqueue(servicetest.Ctx(t), topic, map[string]any{"name": name}, redis.WithID("bidi-1")); err != nil {
		t.Fatal(err)
	}
	_, run := newTab(t)
	noRaw := func(sel string) string {
		return `!/[\u202a-\u202e\u2066-\u2069\u200b-\u200f]/.test(document.querySelector('` + sel + `').textContent)`
	}
	escapes := func(sel string) string {
		return `[...document.querySelectorAll('` + sel + ` span.esc')].map(e => e.textContent).join() === "\\u202e,\\u2066,\\u200f,\\u200b"`
	}
	run("the row and the detail",
		signIn(base, topic),
		openTab(topic, "pending"),
		waitJS(escapes(`#pending-rows tr[data-id="bidi-1"] [data-field="entry"]`)),
		waitJS(noRaw(`#pending-rows tr[data-id="bidi-1"] [data-field="entry"]`)),
		click(css(`#pending-rows button.show[data-id="bidi-1"]`)),
		waitJS(escapes(`#detail-data`)+` && `+escapes(`#detail-entry`)),
		waitJS(noRaw(`#detail-data`)+` && `+noRaw(`#detail-entry`)),
		waitJS(`JSON.parse(document.getElementById("detail-data").textContent).name === "invoice\u202eFDP.exe\u2066\u200f\u200b"`),
	)
}
