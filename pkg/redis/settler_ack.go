package redis

import (
	"context"

	"goweb/pkg/redis/internal/scripts"
)

// The settler's ack loop: successes are queued on acks and acknowledged in
// batches by run, one goroutine that its crew (runs, of size 1) starts and
// lets leave when idle on the shared path, like the workers.

// maxAckBatch bounds the tokens of one ack.lua call.
const maxAckBatch = 1000

// ack queues token for run, starting run if it left. After the shutdown
// timeout (stopping) an ack that finds no room is abandoned: its entry
// stays in flight and is delivered again.
func (s *settler) ack(token int64) {
	select {
	case s.acks.get() <- token:
		if s.runs.lazy() { // on the per-topic path run never leaves
			s.runs.call()
		}
	case <-s.stopping:
	}
}

// start starts run on the per-topic path; on the shared path the first
// ack does.
func (s *settler) start() { s.runs.start() }

// stop ends run after the last ack, once no handler runs any more: it
// starts run if it left with acks queued, to settle them, and keeps it
// from leaving, so that run ends only once they are all acknowledged.
func (s *settler) stop() {
	close(s.stopping)
	s.runs.stop()
	s.done.Wait()
}

// run acknowledges successes in batches: whatever piled up while the
// previous batch was in flight goes in the next. It returns after stop,
// once the acks sent before it are settled, or, on the shared path, after
// idling for workerIdle (crew.leave).
func (s *settler) run() {
	defer s.done.Done()
	var tokens []int64
	var args []interface{} // the minute, then the tokens; reused
	inflight, stats := s.keys.Inflight(s.cid), s.keys.Stats()
	for {
		if len(tokens) == 0 {
			t, ok, left := s.runs.next(s.stopping)
			switch {
			case ok:
				tokens = append(tokens, t)
			case left:
				return
			default: // stopping
				s.drainAcks(&tokens)
				if len(tokens) == 0 {
					return
				}
			}
		}
		s.drainAcks(&tokens)
		hist, minute := historyAt(s.keys, s.clock.Now())
		args = append(args[:0], minute)
		for i := range tokens {
			args = append(args, &tokens[i]) // a pointer boxes without an allocation
		}
		keys := []string{inflight, stats, hist}
		s.persist("ack", func(ctx context.Context) error {
			return s.script(ctx, scripts.Ack, keys, args...).Err()
		})
		s.gate.settled()
		tokens = tokens[:0]
	}
}

// drainAcks moves the queued acks to tokens, up to maxAckBatch.
func (s *settler) drainAcks(tokens *[]int64) {
	acks := s.acks.get()
	for len(*tokens) < maxAckBatch {
		select {
		case t := <-acks:
			*tokens = append(*tokens, t)
		default:
			return
		}
	}
}
