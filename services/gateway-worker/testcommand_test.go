package gatewayworker_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The README's test command is make test, which .ci/run calls, and which
// runs every test with the race detector after installing what is missing.
func TestReadmeTestCommand(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	read := func(name string) string {
		raw, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(raw)
	}
	if !strings.Contains(read("README.md"), "Run the tests:\n\n```sh\nmake test\n```") {
		t.Error("README.md: the test command is not make test")
	}
	ci := read(".ci/run")
	if !regexp.MustCompile(`(?m)^make test$`).MatchString(ci) || regexp.MustCompile(`(?m)^go test -race`).MatchString(ci) {
		t.Errorf(".ci/run does not call exactly make test:\n%s", ci)
	}
	dry := exec.Command("make", "-n", "test")
	dry.Dir = root
	out, err := dry.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "go test -race -count=1 -p 4 ./...") || !strings.Contains(string(out), "apt-get install") {
		t.Errorf("make -n test: %v\n%s", err, out)
	}
}

// On a machine without redis-server, chromium and node, and no apt-get to
// install them with, make test-deps fails and names them all.
func TestTestDepsNamesWhatIsMissing(t *testing.T) {
	t.Parallel()
	bin := t.TempDir() // a PATH with make and a shell, nothing else
	for _, tool := range []string{"make", "sh", "id"} {
		path, err := exec.LookPath(tool)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(path, filepath.Join(bin, tool)); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(filepath.Join(bin, "make"), "-s", "test-deps")
	cmd.Dir = repoRoot(t)
	cmd.Env = []string{"PATH=" + bin}
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "the tests need: redis-server chromium nodejs npm; install with: sudo apt-get install redis-server chromium nodejs npm") {
		t.Errorf("make test-deps without the tools: %v\n%s", err, out)
	}
}
