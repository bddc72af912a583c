#!/usr/bin/env python3
"""Serving benchmark: kbs-graphql against the hardware's floors, in the same run.

    python3 bench/serve.py [--count 10000] [--rounds 3] [--seconds 10] [--scale-count 1000000]
                           [--binary PATH]

Builds the release binaries (ours and ../shared/bench/ceiling), generates the dataset with
../shared/bench/gen_customers.py, starts both servers pinned to core 0 and drives them with wrk
pinned to core 1, interleaving the targets round by round (A B C … A B C …), and prints the
medians, the ratios against the floors, and pass/fail against the goals. Requests to our
server are authenticated, as a real client's are. Needs wrk (apt-get install wrk) and taskset.

Then the scale phase: the same generator at --scale-count customers (its first 10,000 are the
10,000 of the first phase, so every needle exists in both), imported into a second database;
every filter and every orderBy, on page 1 and on the last full page of its matches at 10k (a
window that exists in both datasets), is driven against a server on each dataset
(interleaved), and each 1M figure is judged against its own 10k figure. The peak RSS of the 1M
server under that load is one memory goal; the other is a 1M server with the default settings
(response cache on) under a mixed workload of thousands of distinct pages. --scale-count 0
skips the phase.

Nothing is timed before it is checked: each target's answer is read once first (status 200,
no GraphQL `errors`, the expected number of rows, a lookup that finds its customer), and every
answer wrk counts must be a 200 without `errors`, or the script stops without a figure.

Every server builds its substring index in the background after it starts (as in production);
measuring starts once the index holds the imported dataset.
"""
import argparse
import base64
import json
import os
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(ROOT, "..", "shared", "bench")
LIST_QUERY = "{ customers(perPage: 10) { nodes { id name email userId companyId dateCreated ticketCount } totalCount } }"
FIELDS = "nodes { id name email userId companyId dateCreated ticketCount } totalCount"
# Needles from the first customers of the generator's default seed (in both datasets).
SCALE_FILTERS = {
    "email": 'email: ["david.obrien.77@example.net"]',
    "name": 'name: "o\'brien"',
    "search": 'search: "obrien.77@"',
    "company": "company: [14]",
    "userId": "userId: [1002]",
    "include": "include: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]",
}
SCALE_ORDERS = ["ID", "USER_ID", "NAME", "EMAIL", "COMPANY_ID", "DATE"]
LOOKUP_QUERY = '{ customer(idOrEmail: "david.obrien.77@example.net") { id name email userId companyId dateCreated ticketCount } }'
# The shapes frontends send besides the summary one above: with each customer's company, and
# with every field.
COMPANY_QUERY = "{ customers(perPage: 10) { nodes { id name email company { name } } totalCount } }"
EVERY_FIELD_QUERY = ("{ customers(perPage: 10) { nodes { id name userId email additionalEmails phone { primary additional } "
                     "website address { line1 line2 city state country zip } companyId company { id name email phone website "
                     "contact customerId dateCreated } dateCreated notes ticketCount } totalCount } }")


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, cwd=ROOT, **kw)


def wait_for(url, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except Exception:
            time.sleep(0.2)
    sys.exit(f"{url} did not come up")


def wait_idle(url, seconds=120):
    """Waits until the server has worked off what wrk left in flight when it stopped (slow
    queries keep running after their client is gone), so the next target starts on an idle
    server: a probe answered within 50 ms."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        started = time.time()
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=seconds)
        except Exception:
            pass
        if time.time() - started < 0.05:
            return
    sys.exit(f"{url} stayed busy")


def wait_search_index(db, seconds=600):
    """Waits until the servers' background builder has brought the substring index up to the
    imported dataset (until then `name`/`search` scan, which is not what is measured)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            (current,) = conn.execute(
                "SELECT (SELECT version FROM search_index) = (SELECT version FROM dataset)").fetchone()
        if current:
            return
        time.sleep(0.5)
    sys.exit(f"the search index of {db} was not built within {seconds} s")


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def ask(url, method="POST", body=None, auth=None):
    """One request as wrk sends it: (status, headers, the body parsed as JSON, or its text)."""
    data = None
    if method == "POST":
        with open(body, "rb") as f:
            data = f.read()
    request = urllib.request.Request(url, data=data, method=method)
    if method == "POST":
        request.add_header("Content-Type", "application/json")
    if auth:
        request.add_header("Authorization", auth)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            status, headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, raw = error.code, error.headers, error.read()
    try:
        return status, headers, json.loads(raw)
    except ValueError:
        return status, headers, raw[:400]


def verify(label, url, check, **request):
    """Refuses to go on unless the target answers 200 and `check(answer, headers)` finds
    nothing wrong (it returns what is wrong, or None)."""
    status, headers, answer = ask(url, **request)
    problem = f"HTTP {status}" if status != 200 else check(answer, headers)
    if problem:
        sys.exit(f"{label}: refusing to time a wrong answer: {problem}\n{str(answer)[:400]}")


def any_json(answer, _headers):
    return None if isinstance(answer, (dict, list)) and answer else "not a JSON page"


def graphql_page(rows, total=None):
    def check(answer, _headers):
        if not isinstance(answer, dict) or "errors" in answer:
            return "GraphQL errors"
        page = answer.get("data", {}).get("customers") or {}
        got = len(page.get("nodes") or [])
        if got != rows:
            return f"{got} rows where {rows} were expected"
        if total is not None and page.get("totalCount") != total:
            return f"totalCount {page.get('totalCount')} where {total} was expected"
        return None
    return check


def graphql_lookup(email):
    def check(answer, _headers):
        if not isinstance(answer, dict) or "errors" in answer:
            return "GraphQL errors"
        found = (answer.get("data") or {}).get("customer")
        return None if found and found.get("id") else f"customer {email} not found"
    return check


def rest_page(rows, total):
    def check(answer, headers):
        if not isinstance(answer, list) or len(answer) != rows:
            return f"not a list of {rows} customers"
        if headers.get("X-WP-Total") != str(total):
            return f"X-WP-Total {headers.get('X-WP-Total')} where {total} was expected"
        return None
    return check


def rest_lookup(email):
    def check(answer, _headers):
        addresses = [answer.get("email", "")] + answer.get("additional_emails", []) \
            if isinstance(answer, dict) else []
        return None if email in [a.lower() for a in addresses] else f"customer {email} not found"
    return check


def wrk(url, seconds, method="POST", body=None, auth=None, bodies=None):
    env = dict(os.environ, METHOD=method, AUTH=auth or "")
    if body is not None:
        env["BODY_FILE"] = body
    if bodies is not None:
        env["BODIES_FILE"] = bodies
    out = subprocess.run(
        # A generous timeout: a slow answer is measured (in p99), not dropped as an error.
        ["taskset", "-c", "1", "wrk", "-t1", "-c32", f"-d{seconds}s", "--timeout", "30s", "--latency",
         "-s", os.path.join(ROOT, "bench", "request.lua"), url],
        check=True, capture_output=True, text=True, env=env, timeout=seconds + 30).stdout
    m = re.search(r"WRK_JSON (\{.*\})", out)
    if not m:
        sys.exit(f"no result from wrk for {url}:\n{out}")
    result = json.loads(m.group(1))
    if result["errors"] or result["non2xx"]:
        sys.exit(f"{url}: {result['errors']} socket errors, {result['non2xx']} non-2xx answers")
    statuses = result["statuses"]
    if set(statuses) != {"200"} or statuses["200"] != result["requests"] or result["error_bodies"]:
        sys.exit(f"{url}: answers by status {statuses} of {result['requests']}, "
                 f"{result['error_bodies']} with GraphQL errors: no figure for wrong answers")
    return result


def scale_filters():
    """(name, arguments) for every filter and every orderBy."""
    return list(SCALE_FILTERS.items()) + [
        (f"orderBy {order}", f"orderBy: {order}, order: ASC") for order in SCALE_ORDERS]


def scale_queries(deep_offsets):
    """(label, GraphQL query, offset) for every filter and every orderBy on page 1, and at the
    offset `deep_offsets` gives it (the last full page of its matches in the smaller dataset,
    so that the window exists in both) when that is not page 1 again."""
    out = []
    for name, filt in scale_filters():
        out.append((f"{name} (page 1)", f"{{ customers(perPage: 10, {filt}) {{ {FIELDS} }} }}", 0))
    for name, filt in scale_filters():
        offset = deep_offsets.get(name, 0)
        if offset > 0:
            out.append((f"{name} (offset {offset})",
                        f"{{ customers(perPage: 10, offset: {offset}, {filt}) {{ {FIELDS} }} }}", offset))
    return out


def deep_offsets(url, auth, work):
    """Each filter's last full page of 10 in the dataset at `url`: its total less 10."""
    offsets = {}
    for i, (name, filt) in enumerate(scale_filters()):
        body = os.path.join(work, f"count-{i}.json")
        with open(body, "w") as f:
            json.dump({"query": f"{{ customers({filt}) {{ totalCount }} }}"}, f)
        status, _, answer = ask(f"{url}/graphql", body=body, auth=auth)
        if status != 200 or "errors" in answer:
            sys.exit(f"counting {name}: HTTP {status} {answer}")
        offsets[name] = min(10000, answer["data"]["customers"]["totalCount"] - 10)
    return offsets


def total_of(url, auth, query, work):
    """The totalCount `query` answers with at `url`."""
    body = os.path.join(work, "total.json")
    with open(body, "w") as f:
        json.dump({"query": query}, f)
    status, _, answer = ask(f"{url}/graphql", body=body, auth=auth)
    if status != 200 or "errors" in answer:
        sys.exit(f"{query}: HTTP {status} {answer}")
    return answer["data"]["customers"]["totalCount"]


def scale_phase(args, binary, work, small_db, quiet):
    """Every filter and orderBy at 10k and at --scale-count, interleaved; returns the goals."""
    data = os.path.join(os.environ.get("BENCH_DATA", "/tmp/kbs-bench-data"), f"customers-{args.scale_count}")
    if not os.path.exists(os.path.join(data, "customers.jsonl")):
        print(f"generating {args.scale_count:,} customers into {data}…", file=sys.stderr)
        run([sys.executable, os.path.join(SHARED, "gen_customers.py"), "--count", str(args.scale_count),
             "--out-dir", data], stderr=subprocess.DEVNULL)
    big_db = os.path.join(work, "kbs-big.db")
    print(f"importing {args.scale_count:,} customers…", file=sys.stderr)
    run([binary, "--database", big_db, "import", "--customers", os.path.join(data, "customers.jsonl"),
         "--companies", os.path.join(data, "companies.jsonl")], stderr=subprocess.DEVNULL)
    password = run([binary, "--database", big_db, "users", "add", "bench", "--role", "support_manager"],
                   capture_output=True, text=True).stdout.strip()
    big_auth = "Basic " + base64.b64encode(f"bench:{password}".encode()).decode()
    password = run([binary, "--database", small_db, "users", "add", "scale", "--role", "support_manager"],
                   capture_output=True, text=True).stdout.strip()
    small_auth = "Basic " + base64.b64encode(f"scale:{password}".encode()).decode()

    servers = {
        "10k": (subprocess.Popen(["taskset", "-c", "0", binary, "--database", small_db, "--listen", "127.0.0.1:18084",
                                  "--no-demo-data", "--response-cache-mib", "0"],
                                 env=dict(os.environ, RUST_LOG="warn"), **quiet), "http://127.0.0.1:18084", small_auth),
        "big": (subprocess.Popen(["taskset", "-c", "0", binary, "--database", big_db, "--listen", "127.0.0.1:18085",
                                  "--no-demo-data", "--response-cache-mib", "0"],
                                 env=dict(os.environ, RUST_LOG="warn"), **quiet), "http://127.0.0.1:18085", big_auth),
    }
    results = {}
    try:
        for _, url, _ in servers.values():
            wait_for(f"{url}/healthz")
        started = time.time()
        for db in (small_db, big_db):
            wait_search_index(db)
        print(f"search indexes current after {time.time() - started:.0f} s", file=sys.stderr)
        for _, url, _ in servers.values():
            wait_idle(url)
        queries = scale_queries(deep_offsets(servers["10k"][1], servers["10k"][2], work))
        bodies = {}
        for i, (label, query, offset) in enumerate(queries):
            bodies[label] = os.path.join(work, f"scale-{i}.json")
            with open(bodies[label], "w") as f:
                json.dump({"query": query}, f)
            # The same window, full, in both datasets; each answer checked before it is timed.
            for size, (_, url, auth) in servers.items():
                total = total_of(url, auth, query, work)
                rows = max(0, min(10, total - offset))
                if rows != 10 and not (offset == 0 and total == rows):
                    sys.exit(f"{label} at {size}: {rows} rows of {total}: not a window of both datasets")
                verify(f"{label} at {size}", f"{url}/graphql", graphql_page(rows, total), body=bodies[label],
                       auth=auth)
        for round_ in range(args.rounds):
            for label, _, _ in queries:
                for size, (_, url, auth) in servers.items():
                    if round_ == 0:
                        wrk(f"{url}/graphql", 1, body=bodies[label], auth=auth)  # warm-up
                        wait_idle(url)
                    results.setdefault((label, size), []).append(
                        wrk(f"{url}/graphql", args.scale_seconds, body=bodies[label], auth=auth))
                    wait_idle(url)
            print(f"scale round {round_ + 1}/{args.rounds} done", file=sys.stderr)
        big_rss = peak_rss_mib(servers["big"][0].pid)
        cursor_goals = cursor_phase(args, servers, work)
    finally:
        for proc, _, _ in servers.values():
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    default_rss = default_settings_rss(args, binary, big_db, big_auth, queries, work, quiet)

    med = {k: {m: statistics.median(r[m] for r in rs) for m in ("rps", "p99_us")} for k, rs in results.items()}
    big = f"{args.scale_count // 1000:,}k" if args.scale_count < 1_000_000 else f"{args.scale_count / 1e6:g}M"
    print(f"\nscale: the same query at {args.count:,} and at {big} customers ({args.rounds} interleaved rounds of "
          f"{args.scale_seconds} s, cache off)\n")
    small = f"{args.count // 1000:,}k"
    print(f"{'query':<33} {small + ' req/s':>10} {big + ' req/s':>10} {'ratio':>6} {small + ' p99':>8} "
          f"{big + ' p99':>8} {'x':>5} {'':>5}")
    passed = 0
    for label, _, _ in queries:
        s, b = med[(label, "10k")], med[(label, "big")]
        ratio, p99x = b["rps"] / s["rps"], b["p99_us"] / max(s["p99_us"], 1)
        ok = ratio >= 0.5 and p99x < 5
        passed += ok
        print(f"{label:<33} {s['rps']:>10,.0f} {b['rps']:>10,.0f} {ratio:>6.2f} {s['p99_us'] / 1000:>7.2f}m "
              f"{b['p99_us'] / 1000:>7.2f}m {p99x:>5.1f} {'PASS' if ok else 'FAIL':>5}")
    print(f"\npeak RSS of kbs-graphql serving {big} customers (cache off, the queries above): {big_rss:.0f} MiB")
    print(f"peak RSS of kbs-graphql serving {big} customers (default settings, mixed workload): "
          f"{default_rss:.0f} MiB")
    return cursor_goals + [
        (f"scale: queries keeping >= 0.5x and p99 < 5x ({passed}/{len(queries)})",
         passed / len(queries), 1.0),
        (f"memory at {big}, cache off: peak RSS < 100 MiB (ratio = 100 MiB / peak)", 100 / big_rss, 1.0),
        (f"memory at {big}, default settings: peak RSS < 100 MiB", 100 / default_rss, 1.0),
    ]


CURSOR_DEPTH = 5000


def cursor_phase(args, servers, work):
    """For every orderBy, at each size: the first page by cursor (`first: 10`) against a page
    CURSOR_DEPTH customers deep (`first: 10, after:` the cursor of the CURSOR_DEPTH-th, taken
    from a page by offset of the same list), interleaved; the goal is the deep page at 0.8x
    page 1 or better, which only seeking gives."""
    bodies = {}
    for order in SCALE_ORDERS:
        for size, (_, url, auth) in servers.items():
            list_args = f"orderBy: {order}, order: ASC"
            probe = os.path.join(work, "cursor-probe.json")
            with open(probe, "w") as f:
                json.dump({"query": f"{{ customers(perPage: 1, offset: {CURSOR_DEPTH - 1}, {list_args}) "
                                    f"{{ pageInfo {{ endCursor }} }} }}"}, f)
            status, _, answer = ask(f"{url}/graphql", body=probe, auth=auth)
            if status != 200 or "errors" in answer:
                sys.exit(f"cursor of {order} at {size}: HTTP {status} {answer}")
            cursor = answer["data"]["customers"]["pageInfo"]["endCursor"]
            for depth, after in (("page 1", ""), (f"{CURSOR_DEPTH} deep", f', after: "{cursor}"')):
                body = os.path.join(work, f"cursor-{order}-{size}-{depth.split()[0]}.json")
                with open(body, "w") as f:
                    json.dump({"query": f"{{ customers(first: 10{after}, {list_args}) "
                                        f"{{ edges {{ cursor node {{ id name email userId companyId dateCreated "
                                        f"ticketCount }} }} pageInfo {{ hasNextPage endCursor }} }} }}"}, f)
                def check(answer, _headers):
                    if not isinstance(answer, dict) or "errors" in answer:
                        return "GraphQL errors"
                    edges = answer["data"]["customers"]["edges"]
                    return None if len(edges) == 10 else f"{len(edges)} edges where 10 were expected"
                verify(f"cursor {order} {depth} at {size}", f"{url}/graphql", check, body=body, auth=auth)
                bodies[(order, size, depth)] = (url, auth, body)
    results = {}
    for round_ in range(args.rounds):
        for key, (url, auth, body) in bodies.items():
            if round_ == 0:
                wrk(f"{url}/graphql", 1, body=body, auth=auth)  # warm-up
                wait_idle(url)
            results.setdefault(key, []).append(wrk(f"{url}/graphql", args.scale_seconds, body=body, auth=auth))
            wait_idle(url)
        print(f"cursor round {round_ + 1}/{args.rounds} done", file=sys.stderr)
    rps = {key: statistics.median(r["rps"] for r in rs) for key, rs in results.items()}
    deep = f"{CURSOR_DEPTH} deep"
    print(f"\ncursor pages: page 1 against a page {CURSOR_DEPTH} customers deep ({args.rounds} interleaved "
          f"rounds of {args.scale_seconds} s, cache off)\n")
    print(f"{'orderBy':<12} {'size':>5} {'page 1 req/s':>13} {'deep req/s':>11} {'ratio':>6}")
    goals = []
    for order in SCALE_ORDERS:
        for size in servers:
            first, far = rps[(order, size, "page 1")], rps[(order, size, deep)]
            print(f"{order:<12} {size:>5} {first:>13,.0f} {far:>11,.0f} {far / first:>6.2f}")
            goals.append((f"cursor {deep} >= 0.8x page 1: {order} at {size}", far / first, 0.8))
    return goals


def default_settings_rss(args, binary, db, auth, queries, work, quiet):
    """Peak RSS of a server with the default settings (the response cache on) while every scale
    query is asked at many offsets in turn: thousands of distinct answers, as real clients ask."""
    mixed = os.path.join(work, "mixed.jsonl")
    with open(mixed, "w") as f:
        for step in range(0, 2000, 10):
            for label, query, offset in queries:
                shifted = query.replace("perPage: 10", f"perPage: 10, offset: {offset + step}", 1) \
                    if offset == 0 else query.replace(f"offset: {offset}", f"offset: {max(0, offset - step)}", 1)
                f.write(json.dumps({"query": shifted}) + "\n")
    url = "http://127.0.0.1:18086"
    server = subprocess.Popen(["taskset", "-c", "0", binary, "--database", db, "--listen", "127.0.0.1:18086",
                               "--no-demo-data"], env=dict(os.environ, RUST_LOG="warn"), **quiet)
    try:
        wait_for(f"{url}/healthz")
        wait_search_index(db)
        print("mixed workload on default settings…", file=sys.stderr)
        wrk(f"{url}/graphql", max(args.scale_seconds * 10, 20), bodies=mixed, auth=auth)
        return peak_rss_mib(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--scale-count", type=int, default=1_000_000)
    ap.add_argument("--scale-seconds", type=int, default=3)
    ap.add_argument("--binary", help="measure this kbs-graphql binary (an earlier build, for a "
                    "before/after comparison) instead of building the tree's")
    args = ap.parse_args()

    print("building release binaries…", file=sys.stderr)
    if not args.binary:
        run(["cargo", "build", "--release", "--quiet"])
    run(["cargo", "build", "--release", "--quiet", "--manifest-path",
         os.path.join(SHARED, "ceiling", "Cargo.toml"), "--target-dir", "target/ceiling"])

    work = tempfile.mkdtemp(prefix="kbs-bench-")
    data = os.path.join(work, "data")
    run([sys.executable, os.path.join(SHARED, "gen_customers.py"), "--count", str(args.count), "--out-dir", data],
        stderr=subprocess.DEVNULL)
    run([sys.executable, os.path.join(SHARED, "load_floor_db.py"), "--data-dir", data,
         "--out", os.path.join(data, "floor.sqlite")], stderr=subprocess.DEVNULL)
    ours_db = os.path.join(work, "kbs.db")
    binary = os.path.abspath(args.binary) if args.binary else os.path.join(ROOT, "target", "release", "kbs-graphql")
    run([binary, "--database", ours_db, "import", "--customers", os.path.join(data, "customers.jsonl"),
         "--companies", os.path.join(data, "companies.jsonl")], stderr=subprocess.DEVNULL)
    password = run([binary, "--database", ours_db, "users", "add", "bench", "--role", "support_manager"],
                   capture_output=True, text=True).stdout.strip()
    auth = "Basic " + base64.b64encode(f"bench:{password}".encode()).decode()

    list_body = os.path.join(work, "list.json")
    lookup_body = os.path.join(work, "lookup.json")
    with open(list_body, "w") as f:
        json.dump({"query": LIST_QUERY}, f)
    with open(lookup_body, "w") as f:
        json.dump({"query": LOOKUP_QUERY}, f)
    company_body = os.path.join(work, "company.json")
    every_body = os.path.join(work, "every.json")
    with open(company_body, "w") as f:
        json.dump({"query": COMPANY_QUERY}, f)
    with open(every_body, "w") as f:
        json.dump({"query": EVERY_FIELD_QUERY}, f)

    quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    floor = subprocess.Popen(["taskset", "-c", "0", os.path.join(ROOT, "target", "ceiling", "release", "ceiling"),
                              "--db", os.path.join(data, "floor.sqlite"), "--listen", "127.0.0.1:18081"], **quiet)
    # The uncached goals are measured on a server with its response cache off (wrk repeats one
    # request, which a cache would answer from memory); the cached goal on one with it on.
    ours = subprocess.Popen(["taskset", "-c", "0", binary, "--database", ours_db, "--listen", "127.0.0.1:18082",
                             "--no-demo-data", "--response-cache-mib", "0"], env=dict(os.environ, RUST_LOG="warn"), **quiet)
    cached = subprocess.Popen(["taskset", "-c", "0", binary, "--database", ours_db, "--listen", "127.0.0.1:18083",
                               "--no-demo-data"], env=dict(os.environ, RUST_LOG="warn"), **quiet)
    try:
        wait_for("http://127.0.0.1:18081/static")
        wait_for("http://127.0.0.1:18082/healthz")
        wait_for("http://127.0.0.1:18083/healthz")
        wait_search_index(ours_db)
        ours_url = "http://127.0.0.1:18082"
        cached_url = "http://127.0.0.1:18083"
        targets = {
            "floor: HTTP+JSON (/static)": lambda s: wrk("http://127.0.0.1:18081/static", s, body=list_body),
            "floor: HTTP+SQLite (/sqlite)": lambda s: wrk("http://127.0.0.1:18081/sqlite", s, body=list_body),
            "GraphQL customers(perPage: 10)": lambda s: wrk(f"{ours_url}/graphql", s, body=list_body, auth=auth),
            "REST /customers (10 per page)": lambda s: wrk(f"{ours_url}/wp-json/kbs/v1/customers", s, method="GET", auth=auth),
            "GraphQL list with company { name }": lambda s: wrk(f"{ours_url}/graphql", s, body=company_body, auth=auth),
            "GraphQL list, every field": lambda s: wrk(f"{ours_url}/graphql", s, body=every_body, auth=auth),
            "GraphQL customer(idOrEmail:)": lambda s: wrk(f"{ours_url}/graphql", s, body=lookup_body, auth=auth),
            "REST /customers/<email>": lambda s: wrk(f"{ours_url}/wp-json/kbs/v1/customers/david.obrien.77@example.net",
                                                     s, method="GET", auth=auth),
            "GraphQL list, repeated (cache on)": lambda s: wrk(f"{cached_url}/graphql", s, body=list_body, auth=auth),
            "REST list, repeated (cache on)": lambda s: wrk(f"{cached_url}/wp-json/kbs/v1/customers", s,
                                                            method="GET", auth=auth),
        }
        email = "david.obrien.77@example.net"
        checks = [
            ("floor: HTTP+JSON (/static)", "http://127.0.0.1:18081/static", any_json, {}),
            ("floor: HTTP+SQLite (/sqlite)", "http://127.0.0.1:18081/sqlite", any_json, {}),
            ("GraphQL customers(perPage: 10)", f"{ours_url}/graphql", graphql_page(10, args.count),
             dict(body=list_body, auth=auth)),
            ("REST /customers (10 per page)", f"{ours_url}/wp-json/kbs/v1/customers", rest_page(10, args.count),
             dict(method="GET", auth=auth)),
            ("GraphQL list with company { name }", f"{ours_url}/graphql", graphql_page(10, args.count),
             dict(body=company_body, auth=auth)),
            ("GraphQL list, every field", f"{ours_url}/graphql", graphql_page(10, args.count),
             dict(body=every_body, auth=auth)),
            ("GraphQL customer(idOrEmail:)", f"{ours_url}/graphql", graphql_lookup(email),
             dict(body=lookup_body, auth=auth)),
            ("REST /customers/<email>", f"{ours_url}/wp-json/kbs/v1/customers/{email}", rest_lookup(email),
             dict(method="GET", auth=auth)),
            ("GraphQL list, repeated (cache on)", f"{cached_url}/graphql", graphql_page(10, args.count),
             dict(body=list_body, auth=auth)),
            ("REST list, repeated (cache on)", f"{cached_url}/wp-json/kbs/v1/customers", rest_page(10, args.count),
             dict(method="GET", auth=auth)),
        ]
        for label, url, check, request in checks:
            verify(label, url, check, **{"body": list_body, **request})
        for name, target in targets.items():  # warm-up
            target(2)
        results = {name: [] for name in targets}
        for round_ in range(args.rounds):
            for name, target in targets.items():
                results[name].append(target(args.seconds))
            print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr)
        rss = max(peak_rss_mib(ours.pid), peak_rss_mib(cached.pid))
    finally:
        for p in (floor, ours, cached):
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=30)

    med = {name: {k: statistics.median(r[k] for r in rs) for k in ("rps", "p50_us", "p99_us")}
           for name, rs in results.items()}
    print(f"\nkbs-graphql serving benchmark — {args.count:,} customers, {args.rounds} interleaved rounds of "
          f"{args.seconds} s, server on core 0, wrk -t1 -c32 on core 1 ({os.cpu_count()} cores)\n")
    print(f"{'target':<34} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for name, m in med.items():
        print(f"{name:<34} {m['rps']:>9,.0f} {m['p50_us'] / 1000:>8.2f} {m['p99_us'] / 1000:>8.2f}")
    print(f"\npeak RSS of kbs-graphql (the larger of the two servers): {rss:.0f} MiB")
    sqlite_floor = med["floor: HTTP+SQLite (/sqlite)"]["rps"]
    list_rps = med["GraphQL customers(perPage: 10)"]["rps"]
    goals = [
        ("GraphQL list >= 0.5x HTTP+SQLite floor", list_rps / sqlite_floor, 0.5),
        ("GraphQL list with company >= 0.5x HTTP+SQLite floor",
         med["GraphQL list with company { name }"]["rps"] / sqlite_floor, 0.5),
        ("GraphQL list, every field >= 0.5x HTTP+SQLite floor",
         med["GraphQL list, every field"]["rps"] / sqlite_floor, 0.5),
        ("REST list >= 0.7x HTTP+SQLite floor", med["REST /customers (10 per page)"]["rps"] / sqlite_floor, 0.7),
        ("GraphQL lookup >= GraphQL list", med["GraphQL customer(idOrEmail:)"]["rps"] / list_rps, 1.0),
        ("REST lookup >= REST list", med["REST /customers/<email>"]["rps"] / med["REST /customers (10 per page)"]["rps"], 1.0),
        ("GraphQL repeated >= 0.5x HTTP+JSON floor",
         med["GraphQL list, repeated (cache on)"]["rps"] / med["floor: HTTP+JSON (/static)"]["rps"], 0.5),
        ("REST repeated >= 0.5x HTTP+JSON floor",
         med["REST list, repeated (cache on)"]["rps"] / med["floor: HTTP+JSON (/static)"]["rps"], 0.5),
    ]
    if args.scale_count:
        goals += scale_phase(args, binary, work, ours_db, quiet)
    print(f"\n{'goal':<58} {'ratio':>6} {'':>6}")
    for name, ratio, goal in goals:
        print(f"{name:<58} {ratio:>6.2f} {'PASS' if ratio >= goal else 'FAIL':>6}")


if __name__ == "__main__":
    main()
