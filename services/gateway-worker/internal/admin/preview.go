package admin

import (
	"net/http"
	"unicode/utf8"

	"goweb/pkg/redis"
)

// PreviewBytes bounds the entry each listed message carries unless the
// listing asks for ?full=true: a page of 50 one-megabyte messages would
// otherwise be 100 MB (the entry, and the data decoded from it), read
// again at every refresh of the dashboard. GET .../messages:lookup
// answers one message in full.
const PreviewBytes = 1 << 10

// truncation says whether a listed message was cut to its preview, and
// how long its entry is.
type truncation struct {
	Truncated bool `json:"truncated,omitempty"`
	Size      int  `json:"size,omitempty"` // the entry's length in bytes, when truncated
}

// cut shortens an entry longer than PreviewBytes to its first
// PreviewBytes at most, at a UTF-8 boundary, and leaves its data out.
func (tr *truncation) cut(entry *string, data *map[string]any) {
	if len(*entry) <= PreviewBytes {
		return
	}
	n := PreviewBytes
	for n > 0 && !utf8.RuneStart((*entry)[n]) {
		n--
	}
	tr.Truncated, tr.Size = true, len(*entry)
	*entry = (*entry)[:n]
	if data != nil {
		*data = nil
	}
}

type queuedItem struct {
	redis.QueuedMessage
	truncation
}

type inFlightItem struct {
	redis.InFlightMessage
	truncation
}

// full reads ?full=: true lists whole messages.
func full(r *http.Request) (bool, error) {
	switch v := r.URL.Query().Get("full"); v {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	default:
		return false, badRequest("full: %q is not true or false", truncate(v, 32))
	}
}

// previewable is a listed message and its truncation.
type previewable interface{ preview() }

func (m *queuedItem) preview()   { m.cut(&m.Entry, &m.Data) }
func (m *inFlightItem) preview() { m.cut(&m.Entry, &m.Data) }

// previews wraps each listed message with wrap and, unless whole, cuts it
// to its preview.
func previews[M, I any, P interface {
	*I
	previewable
}](ms []M, whole bool, wrap func(M) I) []I {
	out := make([]I, len(ms))
	for i, m := range ms {
		out[i] = wrap(m)
		if !whole {
			P(&out[i]).preview()
		}
	}
	return out
}

func queued(m redis.QueuedMessage) queuedItem       { return queuedItem{QueuedMessage: m} }
func inFlight(m redis.InFlightMessage) inFlightItem { return inFlightItem{InFlightMessage: m} }
