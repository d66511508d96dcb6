-- wrk script of the vote load bench (bench/vote_load.py). Run with as many threads as
-- connections (-tN -cN): each thread then has one connection, whose requests and responses
-- alternate, so every response is known to belong to the voter of the last request.
--
-- Arguments after "--": path template (with %d for the finalist's pk), first voter index,
-- end voter index (exclusive), finalist pks joined by commas, and the thread count.
-- done() writes its results, one name=value a line, to the file named by $BENCH_WRK_OUT
-- (done() runs in wrk's main Lua state, which init() never sees).
--
-- Thread t (1-based) sends voters first + t - 1, then every thread-count-th one, so each
-- account is used at most once in a run. Voter i's session key and CSRF secret follow from
-- i (bench/vote_data.py made them so): no file to read. A 302 to the receipt page is an
-- acknowledged vote; any other answer is an error; a request sent again before its answer
-- came (a broken connection) or still in flight when wrk stopped is "unanswered".

local threads = {}
local next_id = 1

function setup(thread)
   thread:set("thread_id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

function init(args)
   path_template = args[1]
   last_voter = tonumber(args[3])
   stride = tonumber(args[5])
   next_voter = tonumber(args[2]) + thread_id - 1
   finalists = {}
   for pk in string.gmatch(args[4], "%d+") do
      table.insert(finalists, pk)
   end
   statuses = {}
   acked_voters = {}
   error_voters = {}
   unanswered = {}
   exhausted = 0
   pending = nil
end

function request()
   if pending then
      table.insert(unanswered, pending)
      pending = nil
   end
   local voter = next_voter
   if voter >= last_voter then
      -- Out of fresh accounts: never reuse one; stop this thread.
      exhausted = exhausted + 1
      wrk.thread:stop()
      return wrk.format("GET", "/healthz")
   end
   next_voter = next_voter + stride
   pending = voter
   local finalist = finalists[(voter % #finalists) + 1]
   local secret = string.format("benchcsrf%023d", voter)
   local headers = {
      ["Cookie"] = string.format("sessionid=benchsession%020d; csrftoken=%s", voter, secret),
      ["Content-Type"] = "application/x-www-form-urlencoded",
   }
   local body = "csrfmiddlewaretoken=" .. secret .. "&age_bracket=&region=&website="
   return wrk.format("POST", string.format(path_template, finalist), headers, body)
end

function response(status, headers, body)
   local voter = pending
   pending = nil
   if voter == nil then
      return
   end
   statuses[status] = (statuses[status] or 0) + 1
   if status == 302 and string.find(headers["Location"] or "", "/receipt/%?code=") then
      table.insert(acked_voters, voter)
   else
      table.insert(error_voters, voter)
   end
end

local function append_all(into, from)
   for _, value in ipairs(from or {}) do
      table.insert(into, value)
   end
end

function done(summary, latency, requests)
   local acked, errors, lost_answers, statuses_total, exhausted_total = {}, {}, {}, {}, 0
   for _, thread in ipairs(threads) do
      append_all(acked, thread:get("acked_voters"))
      append_all(errors, thread:get("error_voters"))
      append_all(lost_answers, thread:get("unanswered"))
      local in_flight = thread:get("pending")
      if in_flight then
         table.insert(lost_answers, in_flight)
      end
      exhausted_total = exhausted_total + thread:get("exhausted")
      for status, n in pairs(thread:get("statuses")) do
         statuses_total[status] = (statuses_total[status] or 0) + n
      end
   end
   local parts = {}
   for status, n in pairs(statuses_total) do
      table.insert(parts, status .. ":" .. n)
   end
   local e = summary.errors
   local out = assert(io.open(os.getenv("BENCH_WRK_OUT"), "w"))
   out:write(string.format("requests=%d\n", summary.requests))
   out:write(string.format("duration_us=%d\n", summary.duration))
   out:write(string.format("p50_us=%d\n", latency:percentile(50)))
   out:write(string.format("p99_us=%d\n", latency:percentile(99)))
   out:write(string.format("socket_errors=%d\n", e.connect + e.read + e.write + e.timeout))
   out:write(string.format("exhausted=%d\n", exhausted_total))
   out:write("statuses=" .. table.concat(parts, ",") .. "\n")
   out:write("acked_voters=" .. table.concat(acked, ",") .. "\n")
   out:write("error_voters=" .. table.concat(errors, ",") .. "\n")
   out:write("unanswered_voters=" .. table.concat(lost_answers, ",") .. "\n")
   out:close()
end
