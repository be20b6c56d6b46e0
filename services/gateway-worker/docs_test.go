package gatewayworker_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"goweb/services/gateway-worker/internal/httpapi"
	"goweb/services/gateway-worker/internal/servicetest"
	"goweb/services/gateway-worker/internal/settings"
)

// docEndpoint is a row of the endpoint table at the top of
// docs/service.md.
type docEndpoint struct{ path, token string }

func docEndpoints(t *testing.T) []docEndpoint {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "docs", "service.md"))
	if err != nil {
		t.Fatal(err)
	}
	// | `/v1/...` | `ADMIN_TOKEN` | the admin API ... |
	row := regexp.MustCompile("(?m)^\\| `(/[^`]*)` \\| (none|`ADMIN_TOKEN`) \\|")
	var out []docEndpoint
	for _, m := range row.FindAllStringSubmatch(string(raw), -1) {
		out = append(out, docEndpoint{path: m[1], token: strings.Trim(m[2], "`")})
	}
	return out
}

// Every endpoint of docs/service.md's table exists and answers a request
// without a token as its Token column says, with and without ADMIN_TOKEN
// configured; the dashboard page is the same either way and shows no data.
func TestEndpointsDocumented(t *testing.T) {
	t.Parallel()
	endpoints := docEndpoints(t)
	var paths []string
	for _, e := range endpoints {
		paths = append(paths, e.path)
	}
	for _, r := range append(httpapi.Routes(), "/v1/...", "/dashboard") {
		if !slices.Contains(paths, r) {
			t.Errorf("docs/service.md's endpoint table lacks %s (it lists %q)", r, paths)
		}
	}
	topic := "docs-check.secret-topic"
	m := servicetest.Manager(t, servicetest.Redis.Addr)
	if err := m.GetQueue().Publish(context.Background(), topic, map[string]interface{}{"n": 1}); err != nil {
		t.Fatal(err)
	}

	bin := build(t, "./services/gateway-worker/cmd/server")
	pages := map[string]string{}
	for _, adminToken := range []string{"", "a-configured-token"} {
		env := append(redisEnv(servicetest.Redis.Addr), "WORKER_TOPICS=order.reminder", "ADMIN_TOKEN="+adminToken)
		p := startServer(t, bin, env...)
		p.waitReady(t) // the docs' codes are a ready server's
		for _, e := range endpoints {
			path := strings.Replace(e.path, "/...", "/topics", 1)
			code, _, body := p.get(path, "")
			want := 200
			if e.token == "ADMIN_TOKEN" {
				want = 401
				if adminToken == "" {
					want = 403
				}
			}
			if code != want {
				t.Errorf("ADMIN_TOKEN=%q: GET %s without a token answered %d, the docs say %d (Token: %s)", adminToken, path, code, want, e.token)
			}
			if e.path == "/dashboard" {
				pages[adminToken] = body
				if strings.Contains(body, topic) {
					t.Errorf("ADMIN_TOKEN=%q: the dashboard page shows data (topic %s)", adminToken, topic)
				}
			}
		}
		if code := p.stop(t); code != 0 {
			t.Errorf("exit code %d", code)
		}
	}
	if pages[""] != pages["a-configured-token"] || !strings.Contains(pages[""], "<html") {
		t.Error("the dashboard page differs with and without ADMIN_TOKEN, or is no page")
	}
}

// The configuration table of docs/service.md lists exactly the variables
// the service reads: none missing, none the code does not know.
func TestDocumentedSettings(t *testing.T) {
	t.Parallel()
	docs := string(readFile(t, "docs/service.md"))
	start := strings.Index(docs, "| Variable | YAML key |")
	if start < 0 {
		t.Fatal("docs/service.md has no configuration table")
	}
	variable := regexp.MustCompile("`([A-Z][A-Z0-9_<>]*)`")
	var documented []string
	for _, line := range strings.Split(docs[start:], "\n")[2:] {
		if !strings.HasPrefix(line, "|") {
			break
		}
		first := strings.Split(line, "|")[1]
		for _, m := range variable.FindAllStringSubmatch(first, -1) {
			documented = append(documented, m[1])
		}
	}
	for _, name := range documented {
		if name == "WORKER_TOPIC_OPTIONS_<TOPIC>_<OPTION>" {
			continue
		}
		if !settings.IsEnvName(name) {
			t.Errorf("docs/service.md documents %s, which the service does not read", name)
		}
	}
	for _, name := range settings.EnvNames() {
		if !slices.Contains(documented, name) {
			t.Errorf("the service reads %s, which docs/service.md does not document", name)
		}
	}
	if !slices.Contains(documented, "WORKER_TOPIC_OPTIONS_<TOPIC>_<OPTION>") {
		t.Error("per-topic options are not documented")
	}
}

// GET /dashboard answers 200 with or without ADMIN_TOKEN
// (TestEndpointsDocumented); only the API it reads answers 403. So no
// sentence of the docs, the compose file or the manifests may say the
// dashboard answers 403 without also saying that its page loads (issue 10
// item 15: they said "the admin API and the dashboard answer 403").
func TestDashboardStatusDocumented(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	var files []string
	for _, pattern := range []string{"README.md", "docker-compose.yml", "docs/*.md", "docs/*.yaml", "deploy/*/*.yaml", "deploy/*/*.yml"} {
		found, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, found...)
	}
	if len(files) < 5 {
		t.Fatalf("found only %q", files)
	}
	comment := regexp.MustCompile(`(?m)^\s*#\s?`)
	// A sentence or a table cell.
	sentence := regexp.MustCompile(`\.\s|\|`)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(strings.Fields(comment.ReplaceAllString(string(raw), "")), " ")
		for _, s := range sentence.Split(text, -1) {
			lower := strings.ToLower(s)
			if i := strings.Index(lower, "dashboard"); i >= 0 && strings.Contains(s, "403") && !strings.Contains(lower, "page loads") {
				rel, _ := filepath.Rel(root, f)
				t.Errorf("%s says the dashboard answers 403, but its page answers 200 and shows the API's 403: %q", rel, s[max(0, i-100):])
			}
		}
	}
}
