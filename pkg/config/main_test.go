package config

import (
	"io/fs"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newTest loads a Config from env and, when doc is not empty, a YAML file at
// the default path, without touching the process environment or disk, so
// tests using it can run in parallel.
func newTest(env map[string]string, doc string) *Config {
	files := map[string]string{}
	if doc != "" {
		files[DefaultFile] = doc
	}
	return load(env, fakeFiles(files))
}

func fakeFiles(files map[string]string) func(string) ([]byte, error) {
	return func(name string) ([]byte, error) {
		if s, ok := files[name]; ok {
			return []byte(s), nil
		}
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
}

// errorList flattens a joined error into its parts.
func errorList(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
