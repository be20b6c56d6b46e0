// Package fault holds the fault-injection tests: real worker processes and a
// real redis-server, killed, paused and restarted mid-run. Each test reports
// how many messages were lost (never acceptable), delivered twice and how
// long recovery took.
//
// The tests run one after another, not in parallel: they measure recovery
// times and memory, which other tests sharing two cores would distort. The
// exceptions are the tests that spend most of their run waiting out a long
// fault with little traffic: the four network faults of TestNetworkFaults
// (a 10 s window each) and TestRedisDown (an 11 s outage). Those run at the
// same time as one another, after the other tests (they call t.Parallel, so
// go test starts them once the sequential tests are done): one after
// another they would take about 60 s, together they take about 15 s.
// What they measure is the recovery from the network faults and the log
// volume during them, which the other idle faults hardly load; the bounds
// they assert leave room for a loaded machine in any case. TestSoak runs
// beside them too: it is busy, but what it bounds is its workers' memory
// and that nothing is lost, not a time, and the idle faults' bounds (tens
// of seconds to catch up) leave it room.
package fault

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"goweb/pkg/redis/redistest"
	"goweb/pkg/redis/redistest/netfault"
)

// workerBin is the worker program, built once per test run.
var workerBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fault-worker-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	workerBin = filepath.Join(dir, "worker")
	// Built without -race, as it ships: the soak test bounds its memory,
	// and it carries the fault runs' load.
	build := exec.Command("go", "build", "-o", workerBin, "goweb/test/fault/worker")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build worker:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	netfault.RemoveBinary()
	os.Exit(redistest.CheckLeaks(code, 0))
}
