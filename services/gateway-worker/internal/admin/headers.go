package admin

import (
	"bytes"
	"encoding/json"
)

// headers are a message's headers: a JSON object of strings. It decodes
// itself so that a wrong value names its header, which encoding/json's
// errors do not.
type headers map[string]string

func (h *headers) UnmarshalJSON(raw []byte) error {
	if kind := jsonKind(raw); kind != "object" {
		if kind == "null" {
			return nil
		}
		return badRequest("headers: want an object, got %s", kind)
	}
	var values map[string]json.RawMessage
	if err := json.Unmarshal(raw, &values); err != nil {
		return badRequest("headers: %v", err)
	}
	out := make(headers, len(values))
	for k, v := range values {
		if k == "" {
			return badRequest("headers: empty header name")
		}
		if kind := jsonKind(v); kind != "string" {
			return badRequest("headers[%q]: want a string, got %s", truncate(k, 64), kind)
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return badRequest("headers[%q]: %v", truncate(k, 64), err)
		}
		out[k] = s
	}
	*h = out
	return nil
}

// jsonKind names the kind of a valid JSON value as encoding/json's errors
// do: object, array, string, number, bool or null.
func jsonKind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}
