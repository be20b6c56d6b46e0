package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// checkStrict refuses what encoding/json accepts silently in a body it
// has decoded: a key twice in one object, where the objects would merge
// or the last value win, and a number beyond the range of a float64,
// which no consumer can read. Errors name the key by its path, such as
// "messages[1].data".
func checkStrict(raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return strictValue(dec, "")
}

// errSyntax stops the walk; the decoder has already accepted the body,
// so it is not reached in practice.
var errSyntax = errors.New("invalid JSON")

func strictValue(dec *json.Decoder, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return errSyntax
	}
	switch t := tok.(type) {
	case json.Number:
		if _, err := strconv.ParseFloat(string(t), 64); errors.Is(err, strconv.ErrRange) {
			return badRequest("%s: the number %s is out of the range of a 64-bit float; no consumer could read it", orBody(path), truncate(string(t), 32))
		}
	case json.Delim:
		if t == '{' {
			return strictObject(dec, path)
		}
		if t == '[' {
			return strictArray(dec, path)
		}
	}
	return nil
}

func strictObject(dec *json.Decoder, path string) error {
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return errSyntax
		}
		key, _ := tok.(string)
		if seen[key] {
			return badRequest("%s: the key %q appears twice; give each key once", orBody(path), truncate(key, 64))
		}
		seen[key] = true
		child := key
		if path != "" {
			child = path + "." + key
		}
		if err := strictValue(dec, child); err != nil {
			return err
		}
	}
	_, err := dec.Token() // '}'
	return err
}

func strictArray(dec *json.Decoder, path string) error {
	for i := 0; dec.More(); i++ {
		if err := strictValue(dec, fmt.Sprintf("%s[%d]", orBody(path), i)); err != nil {
			return err
		}
	}
	_, err := dec.Token() // ']'
	return err
}

func orBody(path string) string {
	if path == "" {
		return "body"
	}
	return path
}
