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
//
// The hash tag of every {mq:T}:suffix key is "mq:T", the whole pending list
// key, so all keys of a topic live in one Redis Cluster slot and one Lua
// script may touch them together.
//
// Outside any topic:
//
//	mq:topics                 SET   names of topics that were ever published to or subscribed
//	mq:wake                   pub/sub channel announcing a new earliest delayed entry
package keys

// Prefix starts every key.
const Prefix = "mq:"

// Topics is the registry of known topic names.
const Topics = Prefix + "topics"

// WakeChannel is the pub/sub channel on which a publisher announces that a
// topic has a new earliest delayed entry. The message is the topic name.
const WakeChannel = Prefix + "wake"

// Pending is the list of entries waiting to be taken.
func Pending(topic string) string { return Prefix + topic }

func tagged(topic, suffix string) string { return "{" + Prefix + topic + "}:" + suffix }

// Delayed is the sorted set of entries waiting for their due time.
func Delayed(topic string) string { return tagged(topic, "delayed") }

// Dead is the sorted set of dead-letter records.
func Dead(topic string) string { return tagged(topic, "dead") }

// Consumers is the sorted set of live consumers and their lease expiry.
func Consumers(topic string) string { return tagged(topic, "consumers") }

// Inflight is the hash of entries consumer cid is handling.
func Inflight(topic, cid string) string { return tagged(topic, "inflight:"+cid) }

// Claim is the list a blocking move fills for consumer cid.
func Claim(topic, cid string) string { return tagged(topic, "claim:"+cid) }

// Stats is the hash of counters.
func Stats(topic string) string { return tagged(topic, "stats") }

// Dedup is the sorted set of publish de-duplication keys.
func Dedup(topic string) string { return tagged(topic, "dedup") }

// Done is the sorted set of processed ids kept by the idempotency middleware.
func Done(topic string) string { return tagged(topic, "done") }
