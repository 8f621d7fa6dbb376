-- Write-if-newer of the latest state of a list of changes, in order, in one call (tributary sink-service).
-- Change i (from 1):
--   KEYS[2i-1] row key        <prefix><table>:<pk>            a hash: the columns + _lsn, _op, _event_id, _source_ts_ms
--   KEYS[2i]   tombstone key  <prefix>~deleted:<table>:<pk>   a string: the LSN of the delete, expiring
-- ARGV[1] tombstone expiry in seconds; then per change, in the order of the keys:
--   its LSN, as 20 zero-padded digits (so string order = numeric order, no float rounding)
--   'U' (insert, update, snapshot read) or 'D' (delete)
--   the row's expiry in seconds, 0 = none
--   n, then n arguments: field, value pairs of the row (upsert only; n = 0 for a delete)
-- Returns one integer per change: 1 when applied, 0 when it is not newer than what Redis holds (stale: skipped).
-- Changes of one call to the same row apply one after the other, as separate calls would.
local tombstoneTtl = tonumber(ARGV[1])

local function apply(rowKey, tombstoneKey, lsn, op, ttl, first, last)
  local current = redis.call('HGET', rowKey, '_lsn')
  if current and current >= lsn then
    return 0
  end
  local deleted = redis.call('GET', tombstoneKey)
  if deleted and deleted >= lsn then
    return 0
  end
  redis.call('DEL', rowKey)
  if op == 'D' then
    redis.call('SET', tombstoneKey, lsn, 'EX', tombstoneTtl)
    return 1
  end
  if deleted then
    redis.call('DEL', tombstoneKey)
  end
  redis.call('HSET', rowKey, '_lsn', lsn, unpack(ARGV, first, last))
  if ttl > 0 then
    redis.call('EXPIRE', rowKey, ttl)
  end
  return 1
end

local results = {}
local a = 2
for i = 1, #KEYS / 2 do
  local n = tonumber(ARGV[a + 3])
  results[i] = apply(KEYS[2 * i - 1], KEYS[2 * i], ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2]), a + 4, a + 3 + n)
  a = a + 4 + n
end
return results
