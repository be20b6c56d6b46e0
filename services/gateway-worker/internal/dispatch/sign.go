package dispatch

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"strconv"
	"strings"
	"sync"
)

// signer computes a route's webhook-signature header: "v1,<base64
// HMAC-SHA256 of id.timestamp.body>" per secret, space-separated, as
// Standard Webhooks specifies. Several secrets let receivers rotate
// without a gap. Each secret's keyed HMAC is reused from a pool: keying
// one costs two hash blocks and half a dozen allocations.
type signer struct{ macs []sync.Pool } // of *keyedMAC, one pool per secret

// keyedMAC is one secret's HMAC and the scratch space of a signature.
type keyedMAC struct {
	mac hash.Hash
	buf []byte
}

func newSigner(secrets []Secret) *signer {
	s := &signer{macs: make([]sync.Pool, len(secrets))}
	for i, sec := range secrets {
		s.macs[i].New = func() any { return &keyedMAC{mac: hmac.New(sha256.New, sec.key)} }
	}
	return s
}

// sigLen is the length of one "v1,<base64>" entry.
var sigLen = len("v1,") + base64.StdEncoding.EncodedLen(sha256.Size)

func (s *signer) sign(id string, unix int64, body []byte) string {
	var b strings.Builder
	b.Grow(len(s.macs) * (sigLen + 1))
	var enc [44]byte // base64 of a SHA-256 sum
	for i := range s.macs {
		k := s.macs[i].Get().(*keyedMAC)
		k.mac.Reset()
		k.buf = append(k.buf[:0], id...)
		k.buf = append(k.buf, '.')
		k.buf = strconv.AppendInt(k.buf, unix, 10)
		k.buf = append(k.buf, '.')
		k.mac.Write(k.buf)
		k.mac.Write(body)
		k.buf = k.mac.Sum(k.buf[:0])
		base64.StdEncoding.Encode(enc[:], k.buf)
		s.macs[i].Put(k)
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("v1,")
		b.Write(enc[:])
	}
	return b.String()
}
