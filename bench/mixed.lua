-- The mixed workload for wrk (bench/phases/mixed.py runs it; bench/README.md).
--
--   wrk -t1 -s mixed.lua URL -- DATA MODE EXPONENT RESULTS [PREFIX] [SEED] [SKIPPED]
--
-- DATA: a first line of search words, then one line per person: an access
-- token and the ids of that person's notes. People are chosen with a Zipf
-- distribution (rank ^ -EXPONENT), each request with that person's token.
-- MODE "mix": 70% GET /notes/{id}, 15% list pages (offset, and cursor pages
-- followed from Link headers), 5% searches (first pages and their next
-- pages), 10% writes as a client sends them: POST with an Idempotency-Key,
-- then PATCH and DELETE with If-Match of the ETag the last answer gave
-- (each created note in at most one request at a time, so every write has
-- one expected status). Every answer is matched to its request by the
-- X-Request-ID the services echo, timed, and its status checked.
-- MODE "reads": only GET PREFIX/notes/{id}, same people and ids (the
-- references; the minimal handler echoes no request id).
-- MODE "warm": the unmeasured warm-up before them: one GET /notes/{id} per
-- person, the least likely first (operation "warm"; SKIPPED: as many people
-- an earlier warm-up run already did), then the mix. Every
-- token is then in the verified-token caches, as in steady traffic where a
-- token serves its whole life; the first use has its own figure (token_cost).
-- Each answer is a line of RESULTS: operation, status, 1 if it is the one
-- expected (else 0), µs from request to answer (0 in mode "reads").
-- (Debian's wrk 4.1 crashes on `thread:get` of a table, so no done().)

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } mixed_timespec;
int clock_gettime(int clock, mixed_timespec *now);
]]
local clock = ffi.new("mixed_timespec")
local MONOTONIC = 1

local function now_us()
  ffi.C.clock_gettime(MONOTONIC, clock)
  return tonumber(clock.tv_sec) * 1000000 + tonumber(clock.tv_nsec) / 1000
end

local EXPECTED = {
  read = 200,
  list = 200,
  cursor = 200,
  search = 200,
  search_page = 200,
  create = 201,
  update = 200,
  delete = 200,
  warm = 200,
}
local MAX_LINKS = 1000 -- next pages kept per kind, to follow later

local tokens, notes, words, cumulative = {}, {}, {}, {}
local mode, prefix
local sequence = 0
local warmed = 0 -- people the warm-up has sent a request for (SKIPPED: earlier runs')
local pending = {} -- request id -> {operation, started µs, person, note}
local writable = {} -- notes this run created: {person, id, etag}
local links = { cursor = {}, search_page = {} } -- {person, path}

local log -- RESULTS, written as answers come, flushed when wrk exits

function init(args)
  mode, prefix = args[2], args[5] or ""
  log = assert(io.open(args[4], "w"))
  log:setvbuf("full", 65536)
  local data = assert(io.open(args[1]))
  for word in data:read("*l"):gmatch("%S+") do
    words[#words + 1] = word
  end
  for line in data:lines() do
    local token, ids = nil, {}
    for field in line:gmatch("%S+") do
      if token == nil then token = field else ids[#ids + 1] = tonumber(field) end
    end
    tokens[#tokens + 1], notes[#notes + 1] = token, ids
  end
  data:close()
  local exponent, total = tonumber(args[3]), 0
  for rank = 1, #tokens do
    total = total + rank ^ -exponent
    cumulative[rank] = total
  end
  for rank = 1, #tokens do
    cumulative[rank] = cumulative[rank] / total
  end
  math.randomseed(tonumber(args[6] or "1"))
  warmed = tonumber(args[7] or "0")
end

local function person()
  local u, low, high = math.random(), 1, #cumulative
  while low < high do
    local middle = math.floor((low + high) / 2)
    if cumulative[middle] < u then low = middle + 1 else high = middle end
  end
  return low
end

local function take(list)
  if #list == 0 then return nil end
  local i = math.random(#list)
  local entry = list[i]
  list[i] = list[#list]
  list[#list] = nil
  return entry
end

local function send(operation, who, method, path, headers, body, note)
  sequence = sequence + 1
  local id = string.format("mix-%010d", sequence)
  headers["Authorization"] = "Bearer " .. tokens[who]
  headers["X-Request-ID"] = id
  pending[id] = { operation, now_us(), who, note }
  return wrk.format(method, prefix .. path, headers, body)
end

local function read_path(who)
  local ids = notes[who]
  return "/notes/" .. ids[math.random(#ids)]
end

local function write(u, who)
  local note = nil
  if u >= 94 then note = take(writable) end
  if note == nil then
    local title = "mixed " .. sequence
    return send("create", who, "POST", "/notes/", {
      ["Content-Type"] = "application/json",
      -- The clock too: runs given the same seed send the same sequence of
      -- requests, and a key used again would be a replay of the earlier run's.
      ["Idempotency-Key"] = string.format("mixed-%d-%d-%.0f", sequence, math.random(1e9), now_us()),
    }, '{"title":"' .. title .. '","description":"written by the mixed workload"}')
  end
  local path = "/notes/" .. note[2]
  if u < 98 then
    return send("update", note[1], "PATCH", path, {
      ["Content-Type"] = "application/merge-patch+json",
      ["If-Match"] = note[3],
    }, '{"description":"changed by the mixed workload"}', note)
  end
  return send("delete", note[1], "DELETE", path, { ["If-Match"] = note[3] }, nil, note)
end

local function mixed()
  local u, who = math.random() * 100, person()
  if u < 70 then
    return send("read", who, "GET", read_path(who), {})
  elseif u < 78 then
    local offset = 50 * math.random(0, math.floor((#notes[who] - 1) / 50))
    return send("list", who, "GET", "/notes/?limit=50&offset=" .. offset, {})
  elseif u < 85 then
    local link = take(links.cursor)
    if link then return send("cursor", link[1], "GET", link[2], {}) end
    return send("cursor", who, "GET", "/notes/?sort=-updated_date&limit=50", {})
  elseif u < 90 then
    local link = u >= 88 and take(links.search_page)
    if link then return send("search_page", link[1], "GET", link[2], {}) end
    return send("search", who, "GET", "/notes/?q=" .. words[math.random(#words)] .. "&limit=10", {})
  end
  return write(u, who)
end

local checked = false -- wrk calls request() once to check the script, and sends nothing

function request()
  -- So the warm-up's first person is not the one lost to that check (the
  -- first request of the mix instead, whichever call wrk sends).
  local first = not checked
  checked = true
  if mode == "warm" and warmed < #tokens and not first then
    local who = #tokens - warmed
    warmed = warmed + 1
    return send("warm", who, "GET", read_path(who), {})
  end
  if mode == "reads" then
    local who = person()
    return wrk.format("GET", prefix .. read_path(who), { ["Authorization"] = "Bearer " .. tokens[who] })
  end
  return mixed()
end

local function header(headers, lower, canonical)
  return headers[lower] or headers[canonical]
end

local function keep_next(kind, who, headers)
  local link = header(headers, "link", "Link")
  local path = link and link:match('<([^>]*)>; rel="next"')
  if path and #links[kind] < MAX_LINKS then
    links[kind][#links[kind] + 1] = { who, path }
  end
end

local function record(operation, status, elapsed)
  local expected = status == EXPECTED[operation] and 1 or 0
  log:write(operation, " ", status, " ", expected, " ", string.format("%.0f", elapsed), "\n")
  return expected == 1
end

function response(status, headers, body)
  if mode == "reads" then
    record("read", status, 0)
    return
  end
  local id = header(headers, "x-request-id", "X-Request-ID")
  local request = id and pending[id]
  if request == nil then
    record("unmatched", status, 0)
    return
  end
  pending[id] = nil
  local operation, who = request[1], request[3]
  if not record(operation, status, now_us() - request[2]) then return end
  if operation == "create" or operation == "update" then
    local etag = header(headers, "etag", "ETag")
    writable[#writable + 1] = { who, etag:match('^"(%d+)%.'), etag }
  elseif operation == "cursor" then
    keep_next("cursor", who, headers)
  elseif operation == "search" or operation == "search_page" then
    keep_next("search_page", who, headers)
  end
end
