-- Deletes all dead letters of a topic.
--
-- KEYS[1] dead zset       {mq:<topic>}:dead
-- Returns how many dead letters were deleted.
local n = redis.call('ZCARD', KEYS[1])
redis.call('DEL', KEYS[1])
return n
