package gatewayworker_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"goweb/pkg/redis/redistest"
)

// The README's "30 seconds with the library" is a complete program: it
// builds as written, imports and all.
func TestReadmeLibraryExampleBuilds(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	raw, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(raw), "## 30 seconds with the library\n\n```go\n")
	block, _, closed := strings.Cut(after, "\n```\n")
	if !ok || !closed {
		t.Fatal("README.md: no Go block under \"30 seconds with the library\"")
	}
	// An overlay puts the block in a package of the module without
	// writing into the tree.
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte(block+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	pkg := filepath.Join(root, "examples", "readme-check-"+t.Name())
	overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{filepath.Join(pkg, "main.go"): src}})
	if err := os.WriteFile(filepath.Join(dir, "overlay.json"), overlay, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := redistest.GoBuild("-overlay", filepath.Join(dir, "overlay.json"), "-o", os.DevNull, "./"+filepath.Base(pkg))
	cmd.Dir = filepath.Join(root, "examples")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("the README's Go block does not build: %v\n%s\n%s", err, out, block)
	}
}
