package logger

import (
	"log/slog"
	"strconv"
)

// ErrorKey is the key a standalone error is logged under. The second and later
// standalone errors in one call are logged as error_2, error_3, … so none is
// lost and keys stay unique.
const ErrorKey = "error"

// NormalizeArgs rewrites key-value args so that an error standing alone in a
// key position becomes an attribute instead of slog's "!BADKEY":
//
//	("failed", err, "topic", t)  ->  error=<err> topic=t
//
// A key position is where slog expects a string key: the start, after a
// complete key-value pair, or after a slog.Attr. An error in a value position
// ("cause", err) is left alone, as are slog.Attr values. Any other non-string
// in a key position keeps slog's behaviour (!BADKEY).
//
// The result is safe to normalize again, so wrappers may call it freely. The
// input slice is never modified.
func NormalizeArgs(args []any) []any {
	if !hasStandaloneError(args) {
		return args // the common case: no copy
	}
	out := make([]any, 0, len(args))
	n := 0
	for i := 0; i < len(args); i++ {
		switch a := args[i].(type) {
		case string:
			out = append(out, a)
			if i+1 < len(args) {
				i++
				out = append(out, args[i])
			}
		case error:
			n++
			key := ErrorKey
			if n > 1 {
				key += "_" + strconv.Itoa(n)
			}
			out = append(out, slog.Any(key, a))
		default:
			// slog.Attr passes through; anything else is slog's !BADKEY,
			// which consumes only this one element.
			out = append(out, a)
		}
	}
	return out
}

// hasStandaloneError walks args with slog's pairing rules and reports whether
// any error sits in a key position.
func hasStandaloneError(args []any) bool {
	for i := 0; i < len(args); i++ {
		switch args[i].(type) {
		case string:
			i++ // skip the value
		case error:
			return true
		}
	}
	return false
}
