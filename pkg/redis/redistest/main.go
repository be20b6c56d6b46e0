package redistest

import (
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// RunTests is the body of a TestMain: it starts the server the package
// shares into *srv (or uses REDIS_TEST_ADDR), runs the tests, stops the
// server, runs after, and returns the exit code for os.Exit, failing a
// passing run that left goroutines behind (see CheckLeaks).
//
//	func TestMain(m *testing.M) { os.Exit(redistest.RunTests(m, &srv, 0)) }
func RunTests(m *testing.M, srv **Server, grace time.Duration, after ...func()) int {
	*srv = MustStartMain()
	code := m.Run()
	(*srv).Stop()
	for _, f := range after {
		f()
	}
	return CheckLeaks(code, grace)
}

// CheckLeaks returns code, or 1 when code is 0 but goroutines outlived the
// tests. With a grace period the check is retried until it passes or grace
// has passed: go-redis lets the reconnect goroutine of a closed client sleep
// out its last second, which packages that stop servers under their clients
// allow for.
func CheckLeaks(code int, grace time.Duration) int {
	if code != 0 {
		return code
	}
	deadline := time.Now().Add(grace)
	for {
		err := goleak.Find()
		if err == nil {
			return code
		}
		if time.Now().After(deadline) {
			os.Stderr.WriteString("goleak: " + err.Error() + "\n")
			return 1
		}
		time.Sleep(100 * time.Millisecond)
	}
}
