// Package keys builds every Redis key Gateway Worker uses. No other code
// formats a key by hand, so the layout below is the whole truth.
//
// A topic T owns:
//
//	mq:T                      LIST  pending entries; producers LPUSH, consumers take from the right
//	{mq:T}:delayed            ZSET  entries scored by due time (unix ms)
//	{mq:T}:dead               ZSET  dead-letter records scored by the time they died
//	{mq:T}:consumers          ZSET  consumer ids scored by lease expiry (unix ms)
//	{mq:T}:inflight:<cid>     HASH  token -> entry, what consumer cid is handling
//	{mq:T}:claim:<cid>        LIST  entries a blocking move handed to cid, not yet in inflight
//	{mq:T}:stats              HASH  processed/failed/retried/dead totals
//	{mq:T}:dedup              ZSET  publish de-duplication keys scored by expiry
//	{mq:T}:done               ZSET  ids marked processed by the idempotency middleware, scored by expiry
//	{mq:T}:paused             STRING exists while the topic is paused
//	{mq:T}:rate               STRING rate limit state: the next message's theoretical arrival time, Redis µs
//	{mq:T}:slots              HASH  consumer id -> global concurrency slots held; "~wait" while one waits
//	{mq:T}:history:<hour>     HASH  p<minute>/f<minute> -> processed/failed in that minute of unix hour <hour>; expires 25 h after the first write of its last minute
//
// The hash tag of every {mq:T}:suffix key is "mq:T", the whole pending list
// key, so all keys of a topic live in one Redis Cluster slot and one Lua
// script may touch them together.
//
// Outside any topic:
//
//	mq:topics                 SET   names of topics that were ever published to or subscribed
//	mq:wake                   pub/sub channel announcing a new earliest delayed entry
//	mq:flow                   pub/sub channel announcing a pause or resume, or freed slots
//	mq:push:T                 pub/sub channel announcing that a library publish made mq:T non-empty (not on a cluster)
//	mq:processes              ZSET  process ids scored by lease expiry (unix ms), of every process with consumers (not on a cluster)
//	mq:process:<pid>          HASH  consumer id -> topic, the consumers of process pid, whichever fetch path they are on
package keys

import "strconv"

// Prefix starts every key.
const Prefix = "mq:"

// Topics is the registry of known topic names.
const Topics = Prefix + "topics"

// Processes is the sorted set of the leases of processes with consumers,
// scored by expiry in unix ms: on the shared fetch path the one lease of
// all their consumers, on the per-topic path a lease beside theirs (not
// kept on a cluster).
const Processes = Prefix + "processes"

// Process is the hash of the consumers (id -> topic) that process pid
// leases as a whole: what its reaper hands back when the process dies.
func Process(pid string) string { return Prefix + "process:" + pid }

// WakeChannel is the pub/sub channel on which a publisher announces that a
// topic has a new earliest delayed entry. The message is the topic name.
const WakeChannel = Prefix + "wake"

// FlowChannel is the pub/sub channel on which a topic's pause, resume and
// freed concurrency slots are announced. The message is FlowState or
// FlowSlots followed by the topic name.
const FlowChannel = Prefix + "flow"

// pushPrefix starts every PushChannel.
const pushPrefix = Prefix + "push:"

// PushChannel is the pub/sub channel on which a publisher announces that
// its push made topic's pending list non-empty, so that consumers waiting
// on the shared fetch path of other processes take it at once. The message
// is empty.
func PushChannel(topic string) string { return pushPrefix + topic }

// PushTopic is the topic of a PushChannel; ok is false for another channel.
func PushTopic(channel string) (topic string, ok bool) {
	if len(channel) <= len(pushPrefix) || channel[:len(pushPrefix)] != pushPrefix {
		return "", false
	}
	return channel[len(pushPrefix):], true
}

// The kinds of FlowChannel messages.
const (
	FlowState = "state:"
	FlowSlots = "slots:"
)

// TopicKeys builds the keys of one topic; get it from For.
type TopicKeys struct{ topic string }

// For returns the key builder of topic.
func For(topic string) TopicKeys { return TopicKeys{topic: topic} }

// Topic is the topic the keys belong to.
func (k TopicKeys) Topic() string { return k.topic }

// Pending is the list of entries waiting to be taken.
func (k TopicKeys) Pending() string { return Prefix + k.topic }

func (k TopicKeys) tagged(suffix string) string { return "{" + Prefix + k.topic + "}:" + suffix }

// Delayed is the sorted set of entries waiting for their due time.
func (k TopicKeys) Delayed() string { return k.tagged("delayed") }

// Dead is the sorted set of dead-letter records.
func (k TopicKeys) Dead() string { return k.tagged("dead") }

// Consumers is the sorted set of live consumers and their lease expiry.
func (k TopicKeys) Consumers() string { return k.tagged("consumers") }

// Inflight is the hash of entries consumer cid is handling.
func (k TopicKeys) Inflight(cid string) string { return k.tagged("inflight:" + cid) }

// Claim is the list a blocking move fills for consumer cid.
func (k TopicKeys) Claim(cid string) string { return k.tagged("claim:" + cid) }

// Stats is the hash of counters.
func (k TopicKeys) Stats() string { return k.tagged("stats") }

// Dedup is the sorted set of publish de-duplication keys.
func (k TopicKeys) Dedup() string { return k.tagged("dedup") }

// Done is the sorted set of processed ids kept by the idempotency middleware.
func (k TopicKeys) Done() string { return k.tagged("done") }

// Paused exists while the topic is paused.
func (k TopicKeys) Paused() string { return k.tagged("paused") }

// Rate is the rate limiter's state.
func (k TopicKeys) Rate() string { return k.tagged("rate") }

// Slots is the hash of global concurrency slots held per consumer.
func (k TopicKeys) Slots() string { return k.tagged("slots") }

// History is the hash of per-minute processed and failed counts of the
// given unix hour (unix seconds / 3600).
func (k TopicKeys) History(hour int64) string {
	return k.tagged("history:" + strconv.FormatInt(hour, 10))
}

// The functions below are For(topic).X(), for callers that need one key of
// a topic (the Inspector).

// Pending is For(topic).Pending().
func Pending(topic string) string { return For(topic).Pending() }

// Delayed is For(topic).Delayed().
func Delayed(topic string) string { return For(topic).Delayed() }

// Dead is For(topic).Dead().
func Dead(topic string) string { return For(topic).Dead() }

// Consumers is For(topic).Consumers().
func Consumers(topic string) string { return For(topic).Consumers() }

// Inflight is For(topic).Inflight(cid).
func Inflight(topic, cid string) string { return For(topic).Inflight(cid) }

// Claim is For(topic).Claim(cid).
func Claim(topic, cid string) string { return For(topic).Claim(cid) }

// Stats is For(topic).Stats().
func Stats(topic string) string { return For(topic).Stats() }

// Dedup is For(topic).Dedup().
func Dedup(topic string) string { return For(topic).Dedup() }

// Done is For(topic).Done().
func Done(topic string) string { return For(topic).Done() }

// Paused is For(topic).Paused().
func Paused(topic string) string { return For(topic).Paused() }
