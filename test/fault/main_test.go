// Package fault holds the fault-injection tests: real worker processes and a
// real redis-server, killed, paused and restarted mid-run. Each test reports
// how many messages were lost (never acceptable), delivered twice and how
// long recovery took.
//
// The tests run one after another, not in parallel: they measure recovery
// times and memory, which other tests sharing two cores would distort. The
// network faults (TestNetworkFaults) are the exception: each lasts a 10 s
// fault window, so its four subtests run in parallel with one another.
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
