#!/usr/bin/env python3
"""HTTP helpers for Benchmarks/fleet/run.sh (Python 3 standard library only).

  readers.py load URL TOKEN --endpoint 'LABEL|PATH|GOAL_MS' ... [--threads 16] [--seconds 20]
      N threads, each with its own keep-alive http.client connection, hammer one endpoint at a
      time for --seconds (a request started before the deadline is waited for, up to --timeout),
      recording every request's latency. Prints one Markdown table row per endpoint:
      | label | requests | errors | p50 ms | p99 ms | max ms | cold ms | goal | met |
      and, on stderr, the first error of each endpoint. Non-2xx answers count as errors. When the
      one cold request before the run takes longer than --max-cold seconds (or fails), the endpoint
      is not hammered: its row says so.

  readers.py visible URL TOKEN ADVISORY PACKAGE EXPECTED [--interval 0.1] [--limit 60] [--db FILE]
      Polls GET /api/v1/findings?advisory=ADVISORY&limit=1 every --interval seconds from when it
      starts, until `total` is at least EXPECTED and stopped growing (the same for a second and one
      more poll), or --limit seconds pass; then asks once for
      GET /api/v1/findings?advisory=ADVISORY&package=PACKAGE&limit=1 (one finding per host with
      PACKAGE). With --db, a thread also reads the server's SQLite file (read-only) every 50 ms for
      the advisory's package_findings rows. Prints `seconds hosts total polls written`: seconds
      until the answer with the final total arrived (-1: never), the per-host count, the total, the
      number of polls, and seconds until the rows were written (-1: not seen or no --db).
"""

import argparse
import http.client
import json
import math
import sqlite3
import sys
import threading
import time
import urllib.parse


def connect(base, timeout):
    parts = urllib.parse.urlsplit(base)
    if parts.scheme == "https":
        return http.client.HTTPSConnection(parts.hostname, parts.port or 443, timeout=timeout)
    return http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)


def get(connection, path, token):
    """One GET on a keep-alive connection: (status, body)."""
    connection.request("GET", path, headers={"Authorization": "Bearer " + token, "Accept": "application/json"})
    response = connection.getresponse()
    return response.status, response.read()


def percentile(sorted_values, fraction):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(len(sorted_values), rank) - 1]


def hammer(base, token, path, threads, seconds, timeout):
    latencies = []
    errors = []
    lock = threading.Lock()
    start_barrier = threading.Barrier(threads + 1)
    deadline = [0.0]

    def worker():
        connection = connect(base, timeout)
        mine, bad = [], []
        start_barrier.wait()
        while time.monotonic() < deadline[0]:
            began = time.monotonic()
            try:
                status, body = get(connection, path, token)
                elapsed = time.monotonic() - began
                mine.append(elapsed)
                if not 200 <= status < 300:
                    bad.append(f"HTTP {status}: {body[:300].decode('utf-8', 'replace')}")
            except Exception as error:  # timeouts, resets: count, reconnect, go on
                mine.append(time.monotonic() - began)
                bad.append(f"{type(error).__name__}: {error}")
                connection.close()
                connection = connect(base, timeout)
        connection.close()
        with lock:
            latencies.extend(mine)
            errors.extend(bad)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    deadline[0] = time.monotonic() + seconds
    began = time.monotonic()
    start_barrier.wait()
    for thread in workers:
        thread.join()
    return sorted(latencies), errors, time.monotonic() - began


def load(arguments):
    for spec in arguments.endpoint:
        label, path, goal = spec.split("|")
        goal_ms = float(goal)
        # One cold request first (not counted): the first answer after the previous endpoint.
        cold, cold_error = float("nan"), None
        began = time.monotonic()
        try:
            connection = connect(arguments.url, arguments.timeout)
            status, body = get(connection, path, arguments.token)
            cold = (time.monotonic() - began) * 1000
            connection.close()
            if not 200 <= status < 300:
                cold_error = f"HTTP {status}: {body[:300].decode('utf-8', 'replace')}"
        except Exception as error:
            cold_error = f"{type(error).__name__}: {error} after {time.monotonic() - began:.1f} s"
        if cold_error:
            print(f"{label}: cold request: {cold_error}", file=sys.stderr, flush=True)
        if cold_error or cold > arguments.max_cold * 1000:
            # One request alone already took too long (or failed): N concurrent ones would keep the
            # server busy long after this client gave up on them. Report the single request.
            why = f"one request failed ({cold_error})" if cold_error else f"one request took {cold / 1000:.1f} s"
            why = " ".join(why.replace("|", "/").split())
            print(
                f"| `GET {path}` ({label}) | not run concurrently: {why} "
                f"(limit {arguments.max_cold:g} s) | | | | | {cold:.1f} | p99 ≤ {goal_ms:g} ms | **no** |",
                flush=True,
            )
            continue
        latencies, errors, wall = hammer(
            arguments.url, arguments.token, path, arguments.threads, arguments.seconds, arguments.timeout
        )
        p50 = percentile(latencies, 0.50) * 1000
        p99 = percentile(latencies, 0.99) * 1000
        worst = (latencies[-1] * 1000) if latencies else float("nan")
        met = "yes" if latencies and not errors and p99 <= goal_ms else "**no**"
        print(
            f"| `GET {path}` ({label}) | {len(latencies):,} ({len(latencies) / wall:.1f}/s) | {len(errors)} "
            f"| {p50:.1f} | {p99:.1f} | {worst:.1f} | {cold:.1f} | p99 ≤ {goal_ms:g} ms | {met} |",
            flush=True,
        )
        if errors:
            print(f"{label}: {len(errors)} errors; first: {errors[0]}", file=sys.stderr, flush=True)


def visible(arguments):
    quoted = urllib.parse.quote(arguments.advisory, safe="")
    total_path = f"/api/v1/findings?advisory={quoted}&limit=1"
    host_path = f"/api/v1/findings?advisory={quoted}&package={urllib.parse.quote(arguments.package, safe='')}&limit=1"
    began = time.monotonic()
    stored = [None]
    done = threading.Event()

    def watch_database():
        # When the server's correlation wrote the advisory's package findings (read-only, WAL).
        try:
            database = sqlite3.connect(f"file:{arguments.db}?mode=ro", uri=True, timeout=5)
            while not done.is_set():
                try:
                    row = database.execute(
                        "SELECT COUNT(*) FROM package_findings WHERE advisory_id = ?", (arguments.advisory,)
                    ).fetchone()
                    if row and row[0] > 0:
                        stored[0] = time.monotonic() - began
                        return
                except sqlite3.Error:
                    pass
                time.sleep(0.05)
        except sqlite3.Error as error:
            print(f"cannot read {arguments.db}: {error}", file=sys.stderr)

    watcher = None
    if arguments.db:
        watcher = threading.Thread(target=watch_database, daemon=True)
        watcher.start()
    connection = connect(arguments.url, arguments.timeout)
    reached = None  # when the answer first showed the total it still has
    last_total = -1
    total = polls = 0
    while True:
        try:
            status, body = get(connection, total_path, arguments.token)
            if status == 200:
                total = json.loads(body)["total"]
            else:
                print(f"poll: HTTP {status}: {body[:300].decode('utf-8', 'replace')}", file=sys.stderr)
        except Exception as error:
            print(f"poll failed: {type(error).__name__}: {error}", file=sys.stderr)
            connection.close()
            connection = connect(arguments.url, arguments.timeout)
        polls += 1
        now = time.monotonic() - began
        if total >= arguments.expected:
            if reached is None or total != last_total:
                reached = now
            elif now - reached >= 1.0:  # the total held still for a second (and a poll): done
                break
        else:
            reached = None
        last_total = total
        if now >= arguments.limit:
            break
        time.sleep(arguments.interval)
    done.set()
    hosts = -1
    try:
        status, body = get(connection, host_path, arguments.token)
        hosts = json.loads(body)["total"] if status == 200 else -1
    except Exception as error:
        print(f"hosts query failed: {type(error).__name__}: {error}", file=sys.stderr)
    seconds = -1 if reached is None else reached
    written = -1 if stored[0] is None else stored[0]
    print(f"{seconds:.2f} {hosts} {total} {polls} {written:.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    loader = commands.add_parser("load")
    loader.add_argument("url")
    loader.add_argument("token")
    loader.add_argument("--endpoint", action="append", required=True, help="LABEL|PATH|GOAL_MS")
    loader.add_argument("--threads", type=int, default=16)
    loader.add_argument("--seconds", type=float, default=20)
    loader.add_argument("--timeout", type=float, default=300)
    loader.add_argument("--max-cold", type=float, default=30, help="skip the concurrent run when one request takes longer (s)")
    watcher = commands.add_parser("visible")
    watcher.add_argument("url")
    watcher.add_argument("token")
    watcher.add_argument("advisory")
    watcher.add_argument("package")
    watcher.add_argument("expected", type=int)
    watcher.add_argument("--interval", type=float, default=0.1)
    watcher.add_argument("--limit", type=float, default=60)
    watcher.add_argument("--timeout", type=float, default=300, help="seconds one poll may take")
    watcher.add_argument("--db", help="the server's SQLite file, to see when the findings are written")
    arguments = parser.parse_args()
    if arguments.command == "load":
        load(arguments)
    else:
        visible(arguments)


if __name__ == "__main__":
    main()
