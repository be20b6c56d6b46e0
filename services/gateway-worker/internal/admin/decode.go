package admin

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"goweb/services/gateway-worker/internal/strictjson"
)

// decodeBody reads one JSON object from the request body into v: at most
// MaxBodyBytes within Timeout, no unknown fields, nothing after it, no key
// twice in an object and no number beyond a float64 (see strictjson).
// Numbers in untyped values stay json.Number, so a message's integers
// keep every digit.
func (a *api) decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	// The server has no read timeout for its other endpoints; a slow body
	// must not hold a connection forever. Test recorders cannot do this.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(a.Timeout))
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.MaxBodyBytes))
	if err != nil {
		return a.jsonError(err, "") // too large, or too slow
	}
	dec := newDecoder(bytes.NewReader(raw))
	if err := dec.Decode(v); err != nil {
		return a.jsonError(err, "")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest("body: unexpected data after the JSON object")
	}
	var refused *strictjson.Error
	if err := strictjson.Check(raw, "body"); errors.As(err, &refused) {
		return badRequest("%s", refused)
	}
	return nil
}

// decodeItem decodes raw, an element of the body such as messages[1], as
// strictly as the body; errors name the element.
func (a *api) decodeItem(raw []byte, v any, at string) error {
	if err := newDecoder(bytes.NewReader(raw)).Decode(v); err != nil {
		return a.jsonError(err, at)
	}
	return nil
}

func newDecoder(r io.Reader) *json.Decoder {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	dec.UseNumber()
	return dec
}

func isSyntax(err error) bool {
	var syntax *json.SyntaxError
	return errors.As(err, &syntax)
}

// jsonError turns a decoding error into a message naming the field, below
// at (such as "messages[1]"; "" for the body itself). Socket errors never
// reach the client: they name addresses.
func (a *api) jsonError(err error, at string) *requestError {
	var (
		re        *requestError
		tooLarge  *http.MaxBytesError
		netErr    net.Error
		syntax    *json.SyntaxError
		wrongType *json.UnmarshalTypeError
	)
	where := cmp.Or(at, "body")
	field := func(name string) string {
		if at == "" {
			return name
		}
		return at + "." + name
	}
	switch {
	case errors.As(err, &re):
		if at != "" {
			return &requestError{code: re.code, msg: at + "." + re.msg}
		}
		return re
	case errors.As(err, &tooLarge):
		return &requestError{code: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("body: larger than %d bytes", a.MaxBodyBytes)}
	case timedOut(err):
		return &requestError{code: http.StatusRequestTimeout, msg: fmt.Sprintf("body: request body timed out after %v", a.Timeout)}
	case errors.Is(err, io.EOF):
		return badRequest("%s: empty; want a JSON object", where)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("%s: truncated JSON", where)
	case errors.As(err, &syntax):
		return badRequest("%s: invalid JSON at byte %d: %s", where, syntax.Offset, strings.TrimPrefix(syntax.Error(), "json: "))
	case errors.As(err, &wrongType):
		// Fields of the embedded schedule are named as the client wrote them.
		name := strings.TrimPrefix(wrongType.Field, "schedule.")
		if name == "" {
			return badRequest("%s: want a JSON object, got %s", where, wrongType.Value)
		}
		return badRequest("%s: want %s, got %s", field(name), jsonType(wrongType.Type.Kind().String()), wrongType.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return badRequest("%s: unknown field %s", where, strings.TrimPrefix(err.Error(), "json: unknown field "))
	case errors.As(err, &netErr):
		return badRequest("body: the connection failed while reading it")
	}
	return badRequest("%s: %s", where, strings.TrimPrefix(err.Error(), "json: "))
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
