/**
 * The Lua scripts the Redis counter store (redis-store.ts) runs, with the layout of their KEYS
 * and ARGV: the code that runs inside Redis, atomically, apart from the client that batches
 * requests into it.
 */

/**
 * The checks of several requests, each atomic on its own, in the order they came: one round
 * trip for every request that asked within the same turn of the event loop.
 * KEYS: per request, per check its current then previous bucket; then the token counters to
 * charge first. ARGV: window, number of requests, then per request its time, its number of
 * checks and per check limit and take; then per charge its amount. A take of n ≥ 0 takes
 * exactly n (and needs room for max(n, 1)); a take of −n takes up to n, as many as the window
 * has room for, at least one (a lease: src/rate-limits/leased-store.ts). Returns per request
 * the index of the first check without room (0: admitted), then per check previous, current
 * and the units taken.
 * A bucket key gets its expiry when it is created (three windows: it is read until the end of
 * the next window, with room for clocks that differ).
 */
export const TAKE_SCRIPT = `
local w = tonumber(ARGV[1])
local requests = tonumber(ARGV[2])
local a, k = 3, 0
for r = 1, requests do
  local n = tonumber(ARGV[a + 1])
  a = a + 2 + 2 * n
  k = k + 2 * n
end
for j = k + 1, #KEYS do
  local amount = tonumber(ARGV[a + j - k - 1])
  if redis.call('INCRBY', KEYS[j], amount) == amount then redis.call('PEXPIRE', KEYS[j], 3 * w) end
end
local out = {}
a, k = 3, 0
for r = 1, requests do
  local now = tonumber(ARGV[a])
  local n = tonumber(ARGV[a + 1])
  local elapsed = now % w
  local prev, cur = {}, {}
  if n > 0 then
    local values = redis.call('MGET', unpack(KEYS, k + 1, k + 2 * n))
    for i = 1, n do
      cur[i] = tonumber(values[2 * i - 1] or '0')
      prev[i] = tonumber(values[2 * i] or '0')
    end
  end
  local refused = 0
  local taken = {}
  for i = 1, n do
    local limit = tonumber(ARGV[a + 2 * i])
    local take = tonumber(ARGV[a + 2 * i + 1])
    local est = prev[i] * (1 - elapsed / w) + cur[i]
    if take < 0 then
      taken[i] = math.min(-take, math.floor(limit - est))
      if taken[i] < 1 then
        refused = i
        break
      end
    else
      taken[i] = take
      if est + math.max(take, 1) > limit then
        refused = i
        break
      end
    end
  end
  if refused == 0 then
    for i = 1, n do
      if taken[i] > 0 then
        cur[i] = redis.call('INCRBY', KEYS[k + 2 * i - 1], taken[i])
        if cur[i] == taken[i] then redis.call('PEXPIRE', KEYS[k + 2 * i - 1], 3 * w) end
      end
    end
  end
  out[#out + 1] = refused
  for i = 1, n do
    out[#out + 1] = prev[i]
    out[#out + 1] = cur[i]
    out[#out + 1] = refused == 0 and taken[i] or 0
  end
  a = a + 2 + 2 * n
  k = k + 2 * n
end
return out
`;

/** KEYS: per entry, tokens then cost key. ARGV: tokens, cost, then per entry its expiry (ms since epoch). */
export const SPEND_ADD_SCRIPT = `
for i = 1, #KEYS / 2 do
  redis.call('INCRBY', KEYS[2 * i - 1], ARGV[1])
  redis.call('INCRBYFLOAT', KEYS[2 * i], ARGV[2])
  redis.call('PEXPIREAT', KEYS[2 * i - 1], ARGV[2 + i])
  redis.call('PEXPIREAT', KEYS[2 * i], ARGV[2 + i])
end
return 1
`;

/** The take script as ioredis defines it on the client (`defineCommand`). */
export type TakeCommand = (numKeys: number, keys: string[], argv: Array<string | number>) => Promise<number[]>;
/** The spend script as ioredis defines it on the client. */
export type AddCommand = (numKeys: number, ...args: Array<string | number>) => Promise<number>;
