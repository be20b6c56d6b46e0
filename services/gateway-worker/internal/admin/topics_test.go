package admin_test

import (
	"context"
	"strings"
	"testing"

	"goweb/services/gateway-worker/internal/admin"
)

type topicsPage struct {
	Total  int `json:"total"`
	Topics []struct {
		Topic   string  `json:"topic"`
		Pending int64   `json:"pending"`
		Spark   []int64 `json:"spark"`
	} `json:"topics"`
}

func (p topicsPage) names() string {
	var out []string
	for _, e := range p.Topics {
		out = append(out, e.Topic[strings.LastIndex(e.Topic, ".")+1:])
	}
	return strings.Join(out, " ")
}

// GET /v1/topics filters by name, sorts and pages on the server, counting
// the matches; without parameters it lists every topic as before.
func TestListTopicsPagedSortedFiltered(t *testing.T) {
	t.Parallel()
	b := setup(t, admin.Options{Token: token})
	// Five topics of the test's own, with 3, 1, 4, 1 and 5 pending.
	for i, n := range []int{3, 1, 4, 1, 5} {
		topic := b.topic + ".T" + string(rune('a'+i))
		for range n {
			if err := b.m.GetQueue().Publish(context.Background(), topic, map[string]interface{}{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	get := func(query string) topicsPage {
		t.Helper()
		var p topicsPage
		r := b.do(t, "GET", "/v1/topics?"+query, "", token)
		if r.code != 200 {
			t.Fatalf("GET /v1/topics?%s: %d %s", query, r.code, r.body)
		}
		r.json(t, &p)
		return p
	}
	q := "q=" + strings.ToUpper(b.topic) // case-insensitive
	for _, c := range []struct{ query, want string }{
		{q, "Ta Tb Tc Td Te"},
		{q + "&sort=-name", "Te Td Tc Tb Ta"},
		{q + "&sort=-pending", "Te Tc Ta Tb Td"}, // ties by name
		{q + "&sort=pending&limit=2", "Tb Td"},
		{q + "&sort=pending&offset=2&limit=2", "Ta Tc"},
		{q + "&offset=4&limit=2", "Te"},
		{q + "&offset=9", ""},
		{q + ".Tc", "Tc"},
	} {
		p := get(c.query)
		if p.names() != c.want {
			t.Errorf("?%s lists %q, want %q", c.query, p.names(), c.want)
		}
		if want := 5; c.query != q+".Tc" && p.Total != want {
			t.Errorf("?%s: total %d, want %d", c.query, p.Total, want)
		}
	}
	if p := get(q + "&spark=7&limit=1"); len(p.Topics) != 1 || len(p.Topics[0].Spark) != 7 {
		t.Errorf("?spark=7 gave %+v, want 7 minutes", p.Topics)
	}
	all := get("")
	if all.Total != len(all.Topics) || all.Total < 5 || all.Topics[0].Spark != nil {
		t.Errorf("without parameters: total %d, %d topics, spark %v; want every topic, no spark", all.Total, len(all.Topics), all.Topics[0].Spark)
	}
	for query, want := range map[string]string{
		"sort=size":                     `sort: \"size\" is not one of name`,
		"limit=0":                       "limit: \\\"0\\\" is not an integer between 1 and 1000",
		"spark=61":                      "spark: \\\"61\\\" is not an integer between 1 and 60",
		"q=" + strings.Repeat("x", 201): "q: 201 bytes, at most 200",
		"offset=-1":                     "offset:",
		"sort=-":                        `sort: \"-\" is not one of name`,
		"sort=--name":                   `sort: \"--name\" is not one of name`,
		"sort=":                         "sort: empty; leave it out for the default",
		"spark=":                        "spark: empty; leave it out for the default",
		"limit=":                        "limit: empty",
	} {
		r := b.do(t, "GET", "/v1/topics?"+query, "", token)
		if r.code != 400 || !strings.Contains(r.body, want) {
			t.Errorf("?%.30s: %d %s, want 400 with %s", query, r.code, r.body, want)
		}
	}
}
