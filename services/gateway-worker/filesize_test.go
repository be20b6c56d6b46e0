package gatewayworker_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// maxLines bounds a non-test Go file under pkg/ and services/: a file
// longer than that holds more than one thing to read at once.
const maxLines = 400

func TestSourceFilesStayShort(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	checked := 0
	for _, dir := range []string{"pkg", "services"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			checked++
			if n := bytes.Count(raw, []byte("\n")); n > maxLines {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s: %d lines, want at most %d: split it", rel, n, maxLines)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if checked < 100 {
		t.Errorf("checked %d files under pkg/ and services/: the walk missed the tree", checked)
	}
}
