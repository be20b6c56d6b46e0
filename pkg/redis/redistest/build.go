package redistest

import "os/exec"

// GoBuild returns the command `go build args...` with the build flags of
// the test binary itself: -race when the tests run under the race
// detector. The program's packages are then the ones the test run already
// compiled, found in the build cache, instead of a second compile of the
// whole dependency tree without instrumentation (minutes on a cold cache
// of a small machine), and the program is checked for races too.
func GoBuild(args ...string) *exec.Cmd {
	if raceEnabled {
		args = append([]string{"-race"}, args...)
	}
	return exec.Command("go", append([]string{"build"}, args...)...)
}
