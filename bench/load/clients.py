"""The load's clients: wrk with a Lua script that shares a page's requests out among its
threads, or, without wrk, Python processes with a keep-alive http.client per connection.
Both return {requests, seconds, p50, p99, errors, socket_errors, statuses, wrapped,
bad_location}."""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import signal
import statistics
import subprocess
import threading
import time
from pathlib import Path

from common import percentile

WRK_SCRIPT = r"""
-- Requests from a file (method TAB path TAB cookie TAB body per line), shared out among
-- wrk's threads; each thread goes through its share in turn, starting over at the end.
local threads, count = {}, 0

function setup(thread)
  thread:set("id", count)
  table.insert(threads, thread)
  count = count + 1
end

local function format(line)
  local method, path, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
  local headers = {}
  if cookie ~= "" then headers["Cookie"] = cookie end
  if body ~= "" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
  else
    body = nil
  end
  return wrk.format(method, path, headers, body)
end

function init(args)
  local file, nthreads = args[1], tonumber(args[2])
  expect_location = args[3]
  requests, n, wrapped, bad_location, statuses = {}, 0, 0, 0, {}
  local lines = {}
  for line in io.lines(file) do table.insert(lines, line) end
  if #lines == 0 then error("no requests in " .. file) end
  for i, line in ipairs(lines) do
    if (i - 1) % nthreads == id then table.insert(requests, format(line)) end
  end
  -- Fewer requests than threads (the trivial view, the catalog): every thread needs one,
  -- or its connections would send nothing and sit open until the server drops them.
  -- (Never the case for the quiz POSTs, thousands of one-time tokens: a shared one would
  -- be replayed.)
  if #requests == 0 then
    table.insert(requests, format(lines[id % #lines + 1]))
  end
end

function request()
  n = n + 1
  if n > #requests then
    n, wrapped = 1, wrapped + 1
  end
  return requests[n]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if expect_location ~= "" then
    local location = headers["Location"] or headers["location"] or ""
    if not string.find(location, expect_location, 1, true) then
      bad_location = bad_location + 1
    end
  end
end

function done(summary, latency, requests)
  local statuses, wrapped, bad = {}, 0, 0
  for _, thread in ipairs(threads) do
    for status, number in pairs(thread:get("statuses")) do
      statuses[status] = (statuses[status] or 0) + number
    end
    wrapped = wrapped + thread:get("wrapped")
    bad = bad + thread:get("bad_location")
  end
  local parts = {}
  for status, number in pairs(statuses) do
    table.insert(parts, string.format('"%d": %d', status, number))
  end
  local e = summary.errors
  io.write(string.format(
    'LOAD_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
    .. '"connect": %d, "read": %d, "write": %d, "timeout": %d, "status_errors": %d, '
    .. '"wrapped": %d, "bad_location": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.timeout, e.status, wrapped, bad, table.concat(parts, ", ")))
end
"""


SOCKET_ERRORS = ("connect", "read", "write", "timeout")


def write_requests(folder: Path, name: str, entries: list[tuple]) -> Path:
    path = folder / f"{name.replace(' ', '-').replace('.', '-')}.tsv"
    path.write_text("".join("\t".join(str(field) for field in entry) + "\n" for entry in entries))
    return path


def run_wrk(
    args, port: int, data: Path, seconds: float, expect_location: str, running: list
) -> dict:
    command = [
        "wrk",
        f"-t{args.wrk_threads}",
        f"-c{args.connections}",
        f"-d{seconds:g}s",
        f"--timeout={args.timeout:g}s",
        "-s",
        str(data.parent / "requests.lua"),
        f"http://127.0.0.1:{port}/",
        "--",
        str(data),
        str(args.wrk_threads),
        expect_location,
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    running.append(process)
    out, err = process.communicate(timeout=seconds + 60)
    running.remove(process)
    line = next((row for row in out.splitlines() if row.startswith("LOAD_RESULT ")), None)
    if process.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({process.returncode}): {err.strip() or out.strip()}")
    result = json.loads(line.removeprefix("LOAD_RESULT "))
    return {
        "requests": result["requests"],
        "seconds": result["duration_us"] / 1e6,
        "p50": result["p50_us"] / 1000,
        "p99": result["p99_us"] / 1000,
        "errors": sum(result[k] for k in SOCKET_ERRORS) + result["status_errors"],
        "socket_errors": {k: result[k] for k in SOCKET_ERRORS if result[k]},
        "statuses": {int(k): v for k, v in result["statuses"].items()},
        "wrapped": result["wrapped"],
        "bad_location": result["bad_location"],
    }


def _python_client(port, entries, connections, seconds, expect_location, queue) -> None:
    """One process: a thread per connection, http.client with keep-alive."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which stops us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    deadline = time.monotonic() + seconds
    results = []

    def connection_loop(share):
        latencies, statuses, errors, bad, wrapped, broken = [], {}, 0, 0, 0, 0
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        index = 0
        while time.monotonic() < deadline:
            if index == len(share):
                index, wrapped = 0, wrapped + 1
            method, path, cookie, body = share[index]
            index += 1
            headers = {"Cookie": cookie} if cookie else {}
            if body:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body or None, headers=headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                broken += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[response.status] = statuses.get(response.status, 0) + 1
            errors += response.status >= 400
            if expect_location and expect_location not in response.getheader("Location", ""):
                bad += 1
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        results.append((latencies, statuses, errors, bad, wrapped, broken))

    threads = [
        threading.Thread(target=connection_loop, args=(entries[n::connections] or entries,))
        for n in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put(results)


def run_python(
    args, port: int, entries: list, seconds: float, expect_location: str, running: list
) -> dict:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    processes = min(args.connections, 2 * (os.cpu_count() or 1))
    per_process = [
        args.connections // processes + (n < args.connections % processes) for n in range(processes)
    ]
    for offset, connections in enumerate(per_process):
        share = entries[offset::processes] or entries
        process = context.Process(
            target=_python_client,
            args=(port, share, connections, seconds, expect_location, queue),
        )
        process.start()
        running.append(process)
    results = [item for _ in per_process for item in queue.get(timeout=seconds + 60)]
    for process in list(running):
        if isinstance(process, multiprocessing.process.BaseProcess):
            process.join(10)
            running.remove(process)
    latencies = [value for result in results for value in result[0]]
    statuses: dict[int, int] = {}
    for result in results:
        for status, number in result[1].items():
            statuses[status] = statuses.get(status, 0) + number
    return {
        "requests": len(latencies),
        "seconds": seconds,
        "p50": statistics.median(latencies) if latencies else 0,
        "p99": percentile(latencies, 0.99) if latencies else 0,
        "errors": sum(result[2] + result[5] for result in results),
        "socket_errors": {"socket": sum(result[5] for result in results)},
        "statuses": statuses,
        "wrapped": max((result[4] for result in results), default=0),
        "bad_location": sum(result[3] for result in results),
    }
