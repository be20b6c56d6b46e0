package redis

import (
	"crypto/rand"
	"encoding/base32"
	"strconv"
	"sync/atomic"
)

// idGen makes message and consumer ids: a random per-process prefix and a
// counter. They are short (they are stored with every message) and unique
// without coordination.
type idGen struct {
	prefix string
	n      atomic.Uint64
}

// idPrefixLen is the length of an idGen's prefix: 5 random bytes in base32.
const idPrefixLen = 8

var lowerBase32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

func newIDGen() *idGen {
	var b [5]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	return &idGen{prefix: lowerBase32.EncodeToString(b[:])}
}

func (g *idGen) next() string {
	return g.prefix + strconv.FormatUint(g.n.Add(1), 36)
}
