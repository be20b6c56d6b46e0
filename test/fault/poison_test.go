package fault

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
)

// poison is an entry that must end in the dead letters.
type poison struct {
	entry  string
	mark   string // a substring unique to this entry, found again in its dead letter
	reason string // a substring its dead letter's reason must contain
}

func poisonEntries(n int) []poison {
	kinds := []func(i int) poison{
		func(i int) poison { m := fmt.Sprintf("not json #%d#", i); return poison{m, m, "invalid envelope"} },
		func(i int) poison {
			m := fmt.Sprintf(`"p":"#%d#"`, i)
			return poison{`{` + m + `,"data":"a string"}`, m, "data"}
		},
		func(i int) poison {
			m := fmt.Sprintf(`"p":"#%d#"`, i)
			return poison{`{` + m + `,"data":[1,2]}`, m, "data"}
		},
		func(i int) poison { m := fmt.Sprintf(`"p":"#%d#"`, i); return poison{`{` + m + `}`, m, "data"} },
		func(i int) poison {
			m := fmt.Sprintf(`"p":"#%d#"`, i)
			return poison{`{` + m + `,"data":{},"attempt":"three"}`, m, "attempt"}
		},
		func(i int) poison {
			m := fmt.Sprintf(`"p":"#%d#"`, i)
			return poison{`{` + m + `,"data":{},"headers":{"a":1}}`, m, "headers"}
		},
		func(i int) poison { m := fmt.Sprintf(`["#%d#"]`, i); return poison{m, m, "invalid envelope"} },
		func(i int) poison {
			id := fmt.Sprintf("panic-%d", i)
			return poison{`{"id":"` + id + `","data":{"panic":true}}`, id, "handler panicked"}
		},
	}
	out := make([]poison, 0, n)
	for i := 0; i < n-1; i++ {
		out = append(out, kinds[i%len(kinds)](i))
	}
	mark := "oversized-entry"
	big := `{"id":"` + mark + `","data":{"x":"` + strings.Repeat("x", redis.DefaultMaxPayload) + `"}}`
	return append(out, poison{big, mark, "exceeds"})
}

// 10% of the entries pushed with LPUSH are poison: not JSON, wrong types,
// no data, too large, or a handler that panics. Every good message is
// handled and every poison entry ends in the dead letters with its reason.
func TestPoisonMix(t *testing.T) {
	const good, bad = 1800, 200
	srv := startRedis(t)
	m := newManager(t, srv.Addr, logger.Nop())
	topic := redistest.Topic(t)

	entries := make([]string, 0, good+bad)
	ids := make([]string, 0, good)
	for i := 0; i < good; i++ {
		id := fmt.Sprintf("good-%d", i)
		ids = append(ids, id)
		entries = append(entries, fmt.Sprintf(`{"id":%q,"data":{"n":%d}}`, id, i))
	}
	poisons := poisonEntries(bad)
	for _, p := range poisons {
		entries = append(entries, p.entry)
	}
	rand.Shuffle(len(entries), func(i, j int) { entries[i], entries[j] = entries[j], entries[i] })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := 0; i < len(entries); i += 100 {
		args := make([]interface{}, 0, 100)
		for _, e := range entries[i:min(i+100, len(entries))] {
			args = append(args, e)
		}
		if err := m.Client().LPush(ctx, "mq:"+topic, args...).Err(); err != nil {
			t.Fatal(err)
		}
	}

	start := time.Now()
	o := workerOpts{concurrency: 8, recovery: 3 * time.Second, maxRetries: 1}
	ws := []*worker{startWorker(t, "w0", srv.Addr, topic, o), startWorker(t, "w1", srv.Addr, topic, o)}
	eventually(t, 30*time.Second, "every entry to be settled", func() bool {
		s := stats(t, m, topic)
		return s.Pending == 0 && s.InFlight == 0 && s.Delayed == 0 && s.Dead == bad
	})
	took := time.Since(start)
	for _, w := range ws {
		if !w.alive() {
			t.Errorf("%s died on poison", w.name)
		}
		w.stop(t, 10*time.Second)
	}

	dead, err := m.Inspector().DeadLetters(ctx, topic, 0, 2*bad)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]int{}
	for _, p := range poisons {
		found := false
		for _, d := range dead {
			if strings.Contains(d.Entry, p.mark) {
				found = true
				if !strings.Contains(d.Reason, p.reason) {
					t.Errorf("dead letter of %.60q has reason %q, want it to mention %q", p.entry, d.Reason, p.reason)
				}
				reasons[firstWords(d.Reason)]++
				break
			}
		}
		if !found {
			t.Errorf("poison entry %.60q is not in the dead letters", p.entry)
		}
	}
	for r, n := range reasons {
		t.Logf("%4d dead letters: %s", n, r)
	}
	r := count(ids, readSeen(t, ws...))
	if r.extra > 0 {
		t.Errorf("%d handled messages were poison", r.extra)
	}
	r.summary(t, "poison mix (10% poison, 2 workers)", "drain_time", took, fmt.Sprintf("dead_letters=%d/%d", len(dead), bad))
}

// firstWords keeps the kind of a reason, without the message id or
// position that follow it.
func firstWords(s string) string {
	for _, sep := range []string{" message ", " at ", " in literal"} {
		if i := strings.Index(s, sep); i > 0 {
			s = s[:i]
		}
	}
	return s
}
