package redis_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
)

// idleCost is what a process's idle topics cost it beyond what it held
// before subscribing: goroutines, live heap and goroutine stacks.
type idleCost struct {
	Goroutines int    `json:"goroutines"`
	Heap       uint64 `json:"heap"`
	Stacks     uint64 `json:"stacks"`
}

// memNow is this process's goroutines, live heap and stacks after a GC.
func memNow() idleCost {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return idleCost{Goroutines: runtime.NumGoroutine(), Heap: ms.HeapAlloc, Stacks: ms.StackInuse}
}

// runIdleChild is runChild with GW_CHILD_IDLE=n: the child subscribes to n
// topics (GW_CHILD_TOPIC.0 …) with WithConcurrency(10) and the default
// options, one goroutine calling Subscribe each, as a program would, and
// prints what they cost it (an idleCost, as JSON) every idleReport.
func runIdleChild(m *redis.Manager, n int) {
	base := memNow()
	for _, topic := range manyTopics(os.Getenv("GW_CHILD_TOPIC"), n) {
		go func() {
			_ = m.GetQueue().Subscribe(context.Background(), topic,
				func(context.Context, *redis.Message) error { return nil }, redis.WithConcurrency(10))
		}()
	}
	tick := time.NewTicker(idleReport) // the pace of the reports
	defer tick.Stop()
	for range tick.C {
		now := memNow()
		b, _ := json.Marshal(idleCost{Goroutines: now.Goroutines - base.Goroutines,
			Heap: now.Heap - min(now.Heap, base.Heap), Stacks: now.Stacks - min(now.Stacks, base.Stacks)})
		fmt.Println(string(b))
	}
}

// idleReport is how often runIdleChild reports.
const idleReport = 500 * time.Millisecond

// idleChildPool is the connection pool size of runIdleChild's Manager.
const idleChildPool = 10

// lastLine is the last complete line of s, or "".
func lastLine(s string) string {
	end := strings.LastIndexByte(s, '\n')
	if end < 0 {
		return ""
	}
	return s[strings.LastIndexByte(s[:end], '\n')+1 : end]
}

// An idle topic is cheap for its process (issue #14: 1,000 idle topics in
// at most 64 MB of RSS): once its consumer settled on the shared path it
// holds no goroutine beyond the one calling Subscribe (before: five, whose
// stacks were most of the memory), and a bounded heap. Measured in a child
// process that does nothing else, with runtime stats after a GC, so that
// other tests do not count; the bounds leave a margin.
func TestIdleTopicsCost(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const n = 200
	var out redistest.Buffer
	startChildTo(t, b, &out, "GW_CHILD_IDLE="+strconv.Itoa(n))
	topics := manyTopics(b.topic, n)
	awaitStarted(t, b, topics)
	var cost idleCost
	ok := func() bool {
		line := lastLine(out.String())
		if line == "" || json.Unmarshal([]byte(line), &cost) != nil {
			return false
		}
		return cost.Goroutines <= n+idleFixedGoroutines && cost.Heap/n <= idleTopicHeap
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%d idle topics, last report %+v, heap %d B a topic: want at most %d goroutines and %d B of heap a topic",
				n, cost, cost.Heap/n, n+idleFixedGoroutines, idleTopicHeap)
		}
	})
	// The consumers park once their first fetch found nothing.
	eventually(t, 60*time.Second, "the idle topics' cost within bounds", ok)
	t.Logf("%d idle topics: %d goroutines, heap %.1f KiB, stacks %.1f KiB a topic",
		n, cost.Goroutines, float64(cost.Heap)/n/1024, float64(cost.Stacks)/n/1024)
}

// The bounds of TestIdleTopicsCost: the process's shared loops (sweeper,
// leasers, pub/sub readers, connection pool) beyond one goroutine a topic
// (4 to 7 measured; loaded runs of the whole suite saw 33 and 85 while
// the workers of consumers started before the switch to the shared path
// never left, TestCrewMemberStartedPerTopicLeavesOnSharedPath),
// and live heap a topic: about 10 KiB measured, the connection buffers of
// the pool (idleChildPool) included. Stacks are bounded by the goroutines
// (their size differs with -race). Before issue #14's last steps: five
// goroutines and 21 KiB a topic.
const (
	idleFixedGoroutines = 30
	idleTopicHeap       = 16 << 10
)
