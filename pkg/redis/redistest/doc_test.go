package redistest

import (
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// The package doc shows the TestMain every package writes, with RunTests,
// not a hand-written one that forgets the leak check.
func TestPackageDocShowsRunTests(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "redistest.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	doc := f.Doc.Text()
	_, main, ok := strings.Cut(doc, "func TestMain(")
	if !ok {
		t.Fatalf("the package doc shows no TestMain:\n%s", doc)
	}
	main, _, _ = strings.Cut(main, "\n\n")
	if !strings.Contains(main, "redistest.RunTests(m, &srv,") || strings.Contains(main, "m.Run()") {
		t.Errorf("the package doc's TestMain does not use RunTests:\nfunc TestMain(%s", main)
	}
}
