// Package strictjson refuses what encoding/json accepts silently in a
// document it has decoded: a key twice in one object, where the objects
// would merge or the last value win, and a number beyond the range of a
// float64, which no consumer can read (Python reads Infinity, Node null).
// The admin API checks request bodies with it and the CLI the data it
// publishes, so both refuse the same data:
//
//	if err := strictjson.Check(raw, "data"); err != nil {
//		return err // data.a: the key "b" appears twice; give each key once
//	}
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Error is a refusal: a key twice or a number out of range, at Path (such
// as "body" or "messages[1].data").
type Error struct {
	Path   string
	Reason string
}

func (e *Error) Error() string { return e.Path + ": " + e.Reason }

// ErrSyntax is returned for a document that is not valid JSON; Check is
// meant for documents already decoded, so it is not met in practice.
var ErrSyntax = errors.New("strictjson: invalid JSON")

// Check walks the JSON document raw, named root in errors ("body",
// "data"), and returns an *Error for its first key given twice or number
// out of range.
func Check(raw []byte, root string) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return (&walker{dec: dec, root: root}).value("")
}

type walker struct {
	dec  *json.Decoder
	root string
}

func (w *walker) name(path string) string {
	if path == "" {
		return w.root
	}
	return path
}

func (w *walker) value(path string) error {
	tok, err := w.dec.Token()
	if err != nil {
		return ErrSyntax
	}
	switch t := tok.(type) {
	case json.Number:
		if _, err := strconv.ParseFloat(string(t), 64); errors.Is(err, strconv.ErrRange) {
			return &Error{Path: w.name(path), Reason: fmt.Sprintf("the number %s is out of the range of a 64-bit float; no consumer could read it", truncate(string(t), 32))}
		}
	case json.Delim:
		if t == '{' {
			return w.object(path)
		}
		if t == '[' {
			return w.array(path)
		}
	}
	return nil
}

func (w *walker) object(path string) error {
	seen := map[string]bool{}
	for w.dec.More() {
		tok, err := w.dec.Token()
		if err != nil {
			return ErrSyntax
		}
		key, _ := tok.(string)
		if seen[key] {
			return &Error{Path: w.name(path), Reason: fmt.Sprintf("the key %q appears twice; give each key once", truncate(key, 64))}
		}
		seen[key] = true
		child := key
		if path != "" {
			child = path + "." + key
		}
		if err := w.value(child); err != nil {
			return err
		}
	}
	if _, err := w.dec.Token(); err != nil { // '}'
		return ErrSyntax
	}
	return nil
}

func (w *walker) array(path string) error {
	for i := 0; w.dec.More(); i++ {
		if err := w.value(fmt.Sprintf("%s[%d]", w.name(path), i)); err != nil {
			return err
		}
	}
	if _, err := w.dec.Token(); err != nil { // ']'
		return ErrSyntax
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
