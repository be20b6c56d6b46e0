package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// decodeBody reads one JSON object from the request body into v: at most
// MaxBodyBytes within Timeout, no unknown fields, nothing after it.
// Numbers in untyped values stay json.Number, so a message's integers
// keep every digit.
func (a *api) decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	// The server has no read timeout for its other endpoints; a slow body
	// must not hold a connection forever. Test recorders cannot do this.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(a.Timeout))
	max := a.MaxBodyBytes
	body := http.MaxBytesReader(w, r.Body, max)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, max)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return jsonError(err, max)
		}
		return badRequest("body: unexpected data after the JSON object")
	}
	return nil
}

// jsonError turns a decoding error into a message naming the field.
func jsonError(err error, max int64) *requestError {
	var (
		tooLarge  *http.MaxBytesError
		syntax    *json.SyntaxError
		wrongType *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &tooLarge):
		return &requestError{code: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("body: larger than %d bytes", max)}
	case errors.Is(err, io.EOF):
		return badRequest("body: empty; want a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("body: truncated JSON")
	case errors.As(err, &syntax):
		return badRequest("body: invalid JSON at byte %d: %s", syntax.Offset, strings.TrimPrefix(syntax.Error(), "json: "))
	case errors.As(err, &wrongType):
		// Fields of the embedded schedule are named as the client wrote them.
		field := strings.TrimPrefix(wrongType.Field, "schedule.")
		if field == "" {
			return badRequest("body: want a JSON object, got %s", wrongType.Value)
		}
		return badRequest("%s: want %s, got %s", field, jsonType(wrongType.Type.Kind().String()), wrongType.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return badRequest("body: unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return badRequest("body: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// jsonType names a Go kind the way a JSON client knows it.
func jsonType(kind string) string {
	switch kind {
	case "map", "struct":
		return "an object"
	case "slice", "array":
		return "an array"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "int", "int64", "int32":
		return "an integer"
	}
	return kind
}

// parseDuration reads a duration field such as "5s" or "1h30m", between 0
// (or more than 0 if positive) and MaxDelay.
func parseDuration(field, s string, positive bool) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, badRequest("%s: %q is not a duration such as \"5s\" or \"1h30m\"", field, truncate(s, 64))
	}
	return d, checkDuration(field, d, positive)
}

func checkDuration(field string, d time.Duration, positive bool) error {
	switch {
	case positive && d <= 0:
		return badRequest("%s: must be more than 0", field)
	case d < 0:
		return badRequest("%s: must not be negative", field)
	case d > MaxDelay:
		return badRequest("%s: must be at most %v", field, MaxDelay)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
