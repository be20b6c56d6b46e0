package admin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

type batchRequest struct {
	// Each element is decoded on its own, so that an error names its index.
	Messages []json.RawMessage `json:"messages"`
	schedule
}

// batchItem is one message of a batch. The schedule fields are there only
// to refuse them with the reason: one Redis command publishes the whole
// batch, all or none, with one due time.
type batchItem struct {
	Data      map[string]any  `json:"data"`
	Delay     json.RawMessage `json:"delay"`
	DelayMS   json.RawMessage `json:"delay_ms"`
	ProcessAt json.RawMessage `json:"process_at"`
}

// batchData validates the messages of the batch and returns their data.
func (a *api) batchData(req *batchRequest) ([]map[string]any, error) {
	switch {
	case len(req.Messages) == 0:
		return nil, badRequest("messages: required, 1 to %d objects with a data field", a.MaxBatch)
	case len(req.Messages) > a.MaxBatch:
		return nil, badRequest("messages: %d messages, at most %d in one batch", len(req.Messages), a.MaxBatch)
	}
	batch := make([]map[string]any, len(req.Messages))
	for i, raw := range req.Messages {
		at := fmt.Sprintf("messages[%d]", i)
		var m batchItem
		if err := a.decodeItem(raw, &m, at); err != nil {
			return nil, err
		}
		for _, f := range []struct {
			name string
			v    json.RawMessage
		}{{"delay", m.Delay}, {"delay_ms", m.DelayMS}, {"process_at", m.ProcessAt}} {
			if f.v != nil {
				return nil, badRequest("%s.%s: a batch has one due time for all its messages: give delay, delay_ms or process_at next to \"messages\", or publish this message on its own", at, f.name)
			}
		}
		if m.Data == nil {
			return nil, badRequest("%s.data: required, a JSON object", at)
		}
		batch[i] = m.Data
	}
	return batch, nil
}

func (a *api) publishBatch(w http.ResponseWriter, r *http.Request) {
	t, ok := topic(w, r)
	if !ok {
		return
	}
	var req batchRequest
	if err := a.decodeBody(w, r, &req); err != nil {
		a.requestError(w, err)
		return
	}
	batch, err := a.batchData(&req)
	if err != nil {
		a.requestError(w, err)
		return
	}
	opts, err := req.options(time.Now())
	if err != nil {
		a.requestError(w, err)
		return
	}
	ctx, cancel := a.ctx(r)
	defer cancel()
	ids, err := a.queue.EnqueueBatch(ctx, t, batch, opts...)
	if err != nil {
		a.publishError(w, r, err, notReplicatedJSON{IDs: ids})
		return
	}
	writeJSON(w, http.StatusCreated, idsJSON{IDs: ids})
}
