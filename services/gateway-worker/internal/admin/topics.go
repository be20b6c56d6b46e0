package admin

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"goweb/pkg/redis"
)

// Bounds of GET /v1/topics' parameters.
const (
	// MaxTopicQuery bounds q, as long as the longest topic name.
	MaxTopicQuery = redis.MaxTopicLen
	// MaxSparkMinutes bounds spark, the minutes of per-topic history a
	// listing carries.
	MaxSparkMinutes = 60
)

type topicsJSON struct {
	// Total counts the topics matching q, of which Topics is the page.
	Total  int          `json:"total"`
	Topics []topicEntry `json:"topics"`
}

// topicSorts are the orders ?sort= accepts, "-" before one reversing it;
// every one breaks ties by name.
var topicSorts = map[string]func(s *redis.TopicStats) int64{
	"name":       nil,
	"pending":    func(s *redis.TopicStats) int64 { return s.Pending },
	"delayed":    func(s *redis.TopicStats) int64 { return s.Delayed },
	"in_flight":  func(s *redis.TopicStats) int64 { return s.InFlight },
	"dead":       func(s *redis.TopicStats) int64 { return s.Dead },
	"consumers":  func(s *redis.TopicStats) int64 { return s.Consumers },
	"processed":  func(s *redis.TopicStats) int64 { return s.Processed },
	"failed":     func(s *redis.TopicStats) int64 { return s.Failed },
	"retried":    func(s *redis.TopicStats) int64 { return s.Retried },
	"dead_total": func(s *redis.TopicStats) int64 { return s.DeadTotal },
}

// topicQuery is what GET /v1/topics was asked for.
type topicQuery struct {
	q       string // part of the name, case-insensitive
	by      string // a key of topicSorts
	desc    bool
	offset  int
	limit   int // 0: all
	spark   int // minutes of history per topic, 0: none
	byCount func(s *redis.TopicStats) int64
}

func readTopicQuery(r *http.Request) (topicQuery, error) {
	v := r.URL.Query()
	tq := topicQuery{q: v.Get("q"), by: strings.TrimPrefix(v.Get("sort"), "-"), desc: strings.HasPrefix(v.Get("sort"), "-")}
	if len(tq.q) > MaxTopicQuery {
		return tq, badRequest("q: %d bytes, at most %d", len(tq.q), MaxTopicQuery)
	}
	if err := noEmpty(v, "sort", "offset", "limit", "spark"); err != nil {
		return tq, err
	}
	if !v.Has("sort") {
		tq.by = "name"
	}
	byCount, ok := topicSorts[tq.by]
	if !ok {
		return tq, badRequest("sort: %q is not one of name, pending, delayed, in_flight, dead, consumers, processed, failed, retried, dead_total (a leading - reverses it)", truncate(v.Get("sort"), 32))
	}
	tq.byCount = byCount
	var err error
	if tq.offset, err = queryInt(v.Get("offset"), "offset", 0, 0, 1<<31-1); err != nil {
		return tq, err
	}
	if tq.limit, err = queryInt(v.Get("limit"), "limit", 0, 1, MaxListLimit); err != nil {
		return tq, err
	}
	tq.spark, err = queryInt(v.Get("spark"), "spark", 0, 1, MaxSparkMinutes)
	return tq, err
}

// noEmpty refuses a parameter given with no value ("sort="): it reads as
// a mistake (a script's unset variable), not as a request for the default.
func noEmpty(v url.Values, names ...string) error {
	for _, name := range names {
		if v.Has(name) && v.Get(name) == "" {
			return badRequest("%s: empty; leave it out for the default", name)
		}
	}
	return nil
}

// match keeps the topics whose name holds q.
func (tq topicQuery) match(topics []string) []string {
	if tq.q == "" {
		return topics
	}
	q := strings.ToLower(tq.q)
	return slices.DeleteFunc(topics, func(t string) bool { return !strings.Contains(strings.ToLower(t), q) })
}

// page cuts items to the asked page.
func pageOf[T any](tq topicQuery, items []T) []T {
	lo := min(tq.offset, len(items))
	if tq.limit == 0 {
		return items[lo:]
	}
	return items[lo:min(lo+tq.limit, len(items))]
}

// listTopics answers the topics matching q, sorted, one page of them. By
// name it reads the counts of the page only; by a count it reads every
// matching topic's.
func (a *api) listTopics(w http.ResponseWriter, r *http.Request) {
	tq, err := readTopicQuery(r)
	if err != nil {
		a.requestError(w, err)
		return
	}
	ctx, cancel := a.ctx(r)
	defer cancel()
	res, err := a.read(ctx, r, func() (any, error) { return a.topics(ctx, tq) })
	if err != nil {
		a.queueError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// topics reads the page of topics tq asks for.
func (a *api) topics(ctx context.Context, tq topicQuery) (any, error) {
	stats, total, err := a.topicStats(ctx, tq)
	if err != nil {
		return nil, err
	}
	out := topicsJSON{Total: total, Topics: make([]topicEntry, len(stats))}
	names := make([]string, len(stats))
	for i, s := range stats {
		out.Topics[i], names[i] = a.entry(s), s.Topic
	}
	if tq.spark > 0 {
		hist, err := a.insp.History(ctx, names, tq.spark)
		if err != nil {
			return nil, err
		}
		for i := range hist {
			out.Topics[i].Spark = hist[i].Processed
		}
	}
	return out, nil
}

func (a *api) topicStats(ctx context.Context, tq topicQuery) ([]redis.TopicStats, int, error) {
	topics, err := a.insp.Topics(ctx)
	if err != nil {
		return nil, 0, err
	}
	// Someone may have written garbage into the registry.
	topics = slices.DeleteFunc(topics, func(t string) bool { return redis.ValidateTopic(t) != nil })
	topics = tq.match(topics)
	total := len(topics)
	if tq.byCount == nil { // by name: Topics are sorted
		if tq.desc {
			slices.Reverse(topics)
		}
		stats, err := a.insp.StatsOf(ctx, pageOf(tq, topics))
		return stats, total, err
	}
	stats, err := a.insp.StatsOf(ctx, topics)
	if err != nil {
		return nil, 0, err
	}
	slices.SortStableFunc(stats, func(x, y redis.TopicStats) int {
		c := cmp.Compare(tq.byCount(&x), tq.byCount(&y))
		if tq.desc {
			c = -c
		}
		return c
	})
	return pageOf(tq, stats), total, nil
}
