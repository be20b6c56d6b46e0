package dispatch

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
)

// sign returns the webhook-signature header: "v1,<base64 HMAC-SHA256 of
// id.timestamp.body>" per secret, space-separated, as Standard Webhooks
// specifies. Several secrets let receivers rotate without a gap.
func sign(secrets []Secret, id string, unix int64, body []byte) string {
	var b strings.Builder
	ts := strconv.FormatInt(unix, 10)
	for i, s := range secrets {
		mac := hmac.New(sha256.New, s.key)
		mac.Write([]byte(id))
		mac.Write([]byte{'.'})
		mac.Write([]byte(ts))
		mac.Write([]byte{'.'})
		mac.Write(body)
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("v1,")
		b.WriteString(base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	}
	return b.String()
}
