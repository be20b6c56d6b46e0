package gatewayworker_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
	"goweb/services/gateway-worker/internal/metrics"
	"goweb/services/gateway-worker/internal/servicetest"
)

// exportedMetrics returns the series names the service's Prometheus
// registry exports, read from the registry itself after one message of
// each outcome, so that every labelled family has a series.
func exportedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	topic := redistest.Topic(t)
	manager := servicetest.Manager(t, servicetest.Redis.Addr)
	m := metrics.New(manager.Inspector(), []string{topic})
	m.ExposePolicy(manager.MaxMemoryPolicy) // as the app does
	m.ExposeReplicas(manager.ConnectedReplicas)
	for _, o := range []redis.Outcome{redis.OutcomeProcessed, redis.OutcomeRetried, redis.OutcomeDead, redis.OutcomeRequeued} {
		m.Observe(redis.Event{Topic: topic, ID: "1", Outcome: o, Duration: time.Millisecond})
	}
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range fams {
		names[f.GetName()] = true
		if f.GetType() == dto.MetricType_HISTOGRAM || f.GetType() == dto.MetricType_SUMMARY {
			for _, s := range []string{"_bucket", "_sum", "_count"} {
				names[f.GetName()+s] = true
			}
		}
	}
	return names
}

// The PromQL the dashboard uses, reduced to its metric names: label
// matchers, ranges, grouping labels and strings are dropped; what is
// followed by "(" is a function; the rest are keywords or metrics.
var (
	promqlDrop    = regexp.MustCompile(`\{[^}]*\}|\[[^\]]*\]|\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)|"[^"]*"|\boffset\s+\S+`)
	promqlIdent   = regexp.MustCompile(`[A-Za-z_:][A-Za-z0-9_:]*\s*\(?`)
	promqlKeyword = []string{"and", "or", "unless", "bool"}
	// labelValues is Grafana's label_values(metric, label) of a variable.
	labelValues = regexp.MustCompile(`^label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*,\s*\w+\s*\)$`)
)

func promqlMetrics(expr string) []string {
	var out []string
	for _, tok := range promqlIdent.FindAllString(promqlDrop.ReplaceAllString(expr, " "), -1) {
		tok = strings.TrimSpace(tok)
		if strings.HasSuffix(tok, "(") || slices.Contains(promqlKeyword, tok) {
			continue
		}
		out = append(out, tok)
	}
	return out
}

func TestPromQLMetrics(t *testing.T) {
	t.Parallel()
	got := promqlMetrics(`histogram_quantile(0.95, sum by (le, topic) (rate(a_bucket{topic=~"$topic"}[$__rate_interval]))) / on (x) b and c offset 5m`)
	if !slices.Equal(got, []string{"a_bucket", "b", "c"}) {
		t.Errorf("metrics %v", got)
	}
}

// Every metric the Grafana dashboard queries is one the service exports,
// and it has the panels docs/service.md promises.
func TestGrafanaDashboard(t *testing.T) {
	t.Parallel()
	var dash struct {
		UID    string `json:"uid"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name       string `json:"name"`
				Definition string `json:"definition"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(readFile(t, "deploy/grafana/gateway-worker.json"), &dash); err != nil {
		t.Fatal(err)
	}
	exported := exportedMetrics(t)
	var exprs, titles []string
	for _, p := range dash.Panels {
		titles = append(titles, p.Title)
		if len(p.Targets) == 0 {
			t.Errorf("panel %q queries nothing", p.Title)
		}
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	for _, v := range dash.Templating.List {
		if v.Definition == "" {
			continue
		}
		m := labelValues.FindStringSubmatch(v.Definition)
		if m == nil {
			t.Errorf("variable %s: %q is not label_values(metric, label)", v.Name, v.Definition)
			continue
		}
		exprs = append(exprs, m[1])
	}
	queried := map[string]bool{}
	for _, e := range exprs {
		names := promqlMetrics(e)
		if len(names) == 0 {
			t.Errorf("query %q names no metric", e)
		}
		for _, n := range names {
			queried[n] = true
			if !exported[n] {
				t.Errorf("query %q uses %s, which the service does not export", e, n)
			}
		}
	}
	for _, want := range []string{"Throughput", "Failures and retries", "Dead-lettered", "Backlog by state", "Handler duration", "Consumers"} {
		if !slices.Contains(titles, want) {
			t.Errorf("no %q panel in %v", want, titles)
		}
	}
	if !queried["gateway_worker_handler_duration_seconds_bucket"] || !queried["gateway_worker_consumers"] {
		t.Errorf("the dashboard does not query handler duration buckets and consumers: %v", queried)
	}
}

// docs/service.md's metrics table names exactly the service's metrics (a
// name starting with "_" continues the first name of its row).
func TestMetricsDocumented(t *testing.T) {
	t.Parallel()
	_, section, _ := strings.Cut(string(readFile(t, "docs/service.md")), "## Prometheus metrics\n")
	section, _, _ = strings.Cut(section, "\n## ")
	name := regexp.MustCompile("`(_?[a-z_]+)`")
	var documented []string
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 3 {
			continue
		}
		prefix := ""
		for _, m := range name.FindAllStringSubmatch(cells[1], -1) {
			n := m[1]
			if strings.HasPrefix(n, "_") {
				n = prefix + n
			} else {
				prefix = n[:strings.LastIndex(strings.TrimSuffix(n, "_total"), "_")]
			}
			documented = append(documented, n)
		}
	}
	var exported []string
	for n := range exportedMetrics(t) {
		if strings.HasPrefix(n, "gateway_worker_") && !strings.HasSuffix(n, "_bucket") && !strings.HasSuffix(n, "_sum") && !strings.HasSuffix(n, "_count") {
			exported = append(exported, n)
		}
	}
	slices.Sort(documented)
	slices.Sort(exported)
	if !slices.Equal(documented, exported) {
		t.Errorf("docs/service.md documents\n%v\nthe registry exports\n%v", documented, exported)
	}
}
