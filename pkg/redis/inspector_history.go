package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/redis/internal/keys"
)

// MaxHistoryMinutes is the longest history Inspector.History reads: the
// whole HistoryRetention.
const MaxHistoryMinutes = int(HistoryRetention / time.Minute)

// TopicHistory is a topic's count of processed messages and failed
// attempts in each minute of a window, oldest first. The settling scripts
// write them (a dead letter whose handler failed counts as failed, one that
// could not be decoded does not); a minute nothing settled in counts 0.
type TopicHistory struct {
	Topic     string    `json:"topic"`
	Start     time.Time `json:"start"` // the first minute
	Processed []int64   `json:"processed"`
	Failed    []int64   `json:"failed"`
}

// History returns the last minutes (1 to MaxHistoryMinutes) of the history
// of each of topics, in order, the current minute last. It reads each hour
// of each topic once, in one pipeline. A history hash of the wrong type
// reads as zeros: it is only statistics.
func (i *Inspector) History(ctx context.Context, topics []string, minutes int) ([]TopicHistory, error) {
	if minutes < 1 || minutes > MaxHistoryMinutes {
		return nil, fmt.Errorf("%w: minutes must be 1 to %d", ErrInvalidOption, MaxHistoryMinutes)
	}
	for _, t := range topics {
		if err := ValidateTopic(t); err != nil {
			return nil, err
		}
	}
	end := i.q.now().Unix() / 60 // the current minute, unix minutes
	first := end - int64(minutes) + 1
	out := make([]TopicHistory, len(topics))
	if len(topics) == 0 {
		return out, nil
	}
	pipe := i.q.client.Pipeline()
	hours := make([][]*goredis.MapStringStringCmd, len(topics))
	for n, t := range topics {
		for h := first / 60; h <= end/60; h++ {
			hours[n] = append(hours[n], pipe.HGetAll(ctx, keys.For(t).History(h)))
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(inspectError(ctx, err), ErrWrongType) {
		return nil, inspectError(ctx, err)
	}
	for n, t := range topics {
		h := TopicHistory{Topic: t, Start: time.Unix(first*60, 0).UTC(), Processed: make([]int64, minutes), Failed: make([]int64, minutes)}
		for k, cmd := range hours[n] {
			hour := first/60 + int64(k)
			for field, v := range cmd.Val() { // empty for a key of the wrong type
				if len(field) < 2 {
					continue
				}
				m, err := strconv.ParseInt(field[1:], 10, 64)
				at := hour*60 + m - first
				if err != nil || at < 0 || at >= int64(minutes) {
					continue
				}
				switch field[0] {
				case 'p':
					h.Processed[at] += atoi(v)
				case 'f':
					h.Failed[at] += atoi(v)
				}
			}
		}
		out[n] = h
	}
	return out, nil
}

// HistoryOfAll returns the last minutes of the history of every registered
// topic together, as History adds them up.
func (i *Inspector) HistoryOfAll(ctx context.Context, minutes int) (*TopicHistory, error) {
	topics, err := i.validTopics(ctx)
	if err != nil {
		return nil, err
	}
	all, err := i.History(ctx, topics, minutes)
	if err != nil {
		return nil, err
	}
	sum := &TopicHistory{Processed: make([]int64, minutes), Failed: make([]int64, minutes)}
	sum.Start = time.Unix((i.q.now().Unix()/60-int64(minutes)+1)*60, 0).UTC()
	if len(all) > 0 {
		sum.Start = all[0].Start
	}
	for _, h := range all {
		for k := range minutes {
			sum.Processed[k] += h.Processed[k]
			sum.Failed[k] += h.Failed[k]
		}
	}
	return sum, nil
}
