package dispatch

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"
)

// SecretPrefix begins every Standard Webhooks signing secret.
const SecretPrefix = "whsec_"

// Bounds of a signing secret's key, as the Standard Webhooks spec asks.
const (
	MinSecretBytes = 24
	MaxSecretBytes = 64
)

// Secret is a signing key. fmt, %#v and slog show it masked.
type Secret struct{ key []byte }

// ParseSecret reads "whsec_<base64>". The error never quotes the secret.
func ParseSecret(s string) (Secret, error) {
	b64, ok := strings.CutPrefix(strings.TrimSpace(s), SecretPrefix)
	if !ok {
		return Secret{}, fmt.Errorf("%w: must begin with %q", ErrBadSecret, SecretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return Secret{}, fmt.Errorf("%w: the part after %q is not standard base64", ErrBadSecret, SecretPrefix)
	}
	if len(key) < MinSecretBytes || len(key) > MaxSecretBytes {
		return Secret{}, fmt.Errorf("%w: the key is %d bytes, must be %d to %d", ErrBadSecret, len(key), MinSecretBytes, MaxSecretBytes)
	}
	return Secret{key: key}, nil
}

func (s Secret) String() string { return "whsec_xxxxx" }

// GoString masks %#v too.
func (s Secret) GoString() string { return `"` + s.String() + `"` }

// LogValue masks it in slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }
