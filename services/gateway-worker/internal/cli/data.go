package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"goweb/services/gateway-worker/internal/strictjson"
)

// ErrNotObject is the error of message data that is valid JSON but not an
// object.
var ErrNotObject = errors.New("want a JSON object")

// decodeData decodes a message's data: exactly one JSON object, refused
// as the admin API refuses it when a key appears twice or a number is out
// of a float64's range (strictjson). Numbers stay json.Number, so integers
// keep every digit.
func decodeData(b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		var syntax *json.SyntaxError
		switch {
		case errors.Is(err, io.EOF):
			return nil, fmt.Errorf("%w, got nothing", ErrNotObject)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return nil, errors.New("invalid JSON: truncated")
		case errors.As(err, &syntax):
			return nil, fmt.Errorf("invalid JSON at byte %d: %w", syntax.Offset, err)
		}
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w, got %s", ErrNotObject, jsonKind(v))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("invalid JSON: more after the object")
	}
	if err := strictjson.Check(b, "data"); err != nil {
		return nil, err
	}
	return obj, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "true or false"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}
