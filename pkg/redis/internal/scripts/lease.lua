-- Renews a consumer's lease.
--
-- KEYS[1] consumers zset      {mq:<topic>}:consumers
-- ARGV[1] lease expiry of the consumer, unix ms
-- ARGV[2] consumer id
-- Returns 1 if the consumer was not listed (its lease had been reaped).
--
-- A script rather than a plain ZADD so that it runs flagged allow-oom (see
-- Script): a consumer of a full Redis keeps its lease, and so its messages.
return redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
