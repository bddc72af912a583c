#!/usr/bin/env python3
"""Memory benchmark: peak RSS with the default settings under a mixed workload, and what the
response cache really holds against its budget.

    python3 bench/memory.py [--count 200000] [--seconds 40] [--binary PATH]

Builds the release binary (unless --binary), generates and imports --count customers, then
serves them twice on one core (taskset -c 0), with the default settings and with the response
cache off, each under the same seeded mixed workload from four clients on another core:
REST list pages of 100 (40 %), GraphQL pages of 100 with every kind of field at random offsets
(40 %) and REST single customers (20 %), nearly all distinct (the cache fills and evicts). It
prints each run's peak RSS (VmHWM), and the goal: the cache costs at most 1.25 times its budget
(the default, 32 MiB).
"""
import argparse
import os
import random
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from isolation import URL, PORT, add_user, prepared, request  # noqa: E402
from serve import peak_rss_mib, wait_for, wait_search_index  # noqa: E402

DEFAULT_CACHE_MIB = 32
GRAPHQL_PAGE = ("{ customers(perPage: 100, offset: %d) { totalCount nodes { id name email phone { primary } "
                "notes(limit: 5) address { line1 city } company { name } dateCreated ticketCount } } }")


def workload(count, seconds, auth):
    """Four clients for `seconds`: (requests, failures)."""
    stop = time.time() + seconds
    tally = {"requests": 0, "failures": 0}
    lock = threading.Lock()

    def client(seed):
        rnd = random.Random(seed)
        while time.time() < stop:
            kind = rnd.random()
            if kind < 0.4:
                page = rnd.randint(1, max(1, count // 100))
                status, _, body = request(f"/wp-json/kbs/v1/customers?per_page=100&page={page}",
                                          auth=auth)
            elif kind < 0.8:
                query = GRAPHQL_PAGE % rnd.randint(0, max(0, count - 100))
                status, _, body = request("/graphql", {"query": query}, auth)
                status = status if b'"errors"' not in body else -1
            else:
                status, _, body = request(f"/wp-json/kbs/v1/customers/{rnd.randint(1, count)}",
                                          auth=auth)
            with lock:
                tally["requests"] += 1
                tally["failures"] += status != 200

    clients = [threading.Thread(target=client, args=(seed,)) for seed in range(4)]
    for c in clients:
        c.start()
    for c in clients:
        c.join()
    return tally


def measure(binary, db, cache_flags, count, seconds, auth):
    server = subprocess.Popen(["taskset", "-c", "0", binary, "--database", db, "--listen",
                               f"127.0.0.1:{PORT}", "--no-demo-data", *cache_flags],
                              stderr=subprocess.DEVNULL)
    try:
        wait_for(f"{URL}/healthz")
        tally = workload(count, seconds, auth)
        return peak_rss_mib(server.pid), tally
    finally:
        server.terminate()
        server.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=200_000)
    ap.add_argument("--seconds", type=int, default=40)
    ap.add_argument("--binary", help="measure this kbs-graphql binary instead of building one")
    args = ap.parse_args()
    binary, _, db = prepared(args.binary, args.count, "kbs-memory-")
    auth = add_user(binary, db, "memory")
    os.sched_setaffinity(0, {1})
    # The index builder runs once, in the first server: both runs then find it built.
    first = subprocess.Popen([binary, "--database", db, "--listen", f"127.0.0.1:{PORT}",
                              "--no-demo-data"], stderr=subprocess.DEVNULL)
    wait_search_index(db)
    first.terminate()
    first.wait()

    runs = {}
    for label, flags in (("default settings", []), ("cache off", ["--response-cache-mib", "0"])):
        runs[label] = measure(binary, db, flags, args.count, args.seconds, auth)

    print(f"dataset: {args.count:,} customers; {args.seconds} s of mixed reads from 4 clients "
          "per run; server on one core\n")
    print(f"{'run':<18} {'requests':>9} {'failures':>9} {'peak RSS':>10}")
    for label, (rss, tally) in runs.items():
        print(f"{label:<18} {tally['requests']:>9} {tally['failures']:>9} {rss:>7.0f} MiB")
    held = runs["default settings"][0] - runs["cache off"][0]
    limit = 1.25 * DEFAULT_CACHE_MIB
    print(f"\nresponse cache: {held:.0f} MiB of RSS for a {DEFAULT_CACHE_MIB} MiB budget")
    ok = held <= limit and all(t["failures"] == 0 for _, t in runs.values())
    print(f"goal: the cache costs <= {limit:.0f} MiB (1.25 x its budget): "
          f"{held:.0f} MiB (ratio {limit / max(held, 1):.2f})")
    print(f"peak RSS with the default settings: {runs['default settings'][0]:.0f} MiB")
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
