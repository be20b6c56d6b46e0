package admin_test

import (
	"os"
	"regexp"
	"slices"
	"testing"

	"goweb/services/gateway-worker/internal/admin"
)

// The endpoint lists of the package doc and of docs/service.md are the
// router's, no more, no less.
func TestRoutesDocumented(t *testing.T) {
	t.Parallel()
	want := admin.Routes()
	slices.Sort(want)
	for file, re := range map[string]*regexp.Regexp{
		// "//	GET    /v1/topics   every topic's counts"
		"doc.go": regexp.MustCompile(`(?m)^//\t(GET|POST|PUT|PATCH|DELETE) +(/v1/\S*)`),
		// "| `GET /v1/topics/{topic}/dead?offset=0&limit=50` | ..."
		"../../../../docs/service.md": regexp.MustCompile("(?m)^\\| `(GET|POST|PUT|PATCH|DELETE) (/v1/[^`?]*)[^`]*` \\|"),
	} {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range re.FindAllStringSubmatch(string(raw), -1) {
			got = append(got, m[1]+" "+m[2])
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s lists\n%q\nthe router has\n%q", file, got, want)
		}
	}
}
