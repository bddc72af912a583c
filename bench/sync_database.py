#!/usr/bin/env python3
"""Database-source benchmark: `sync --from mysql://…` of COUNT customers (default 100,000) from
a local MariaDB holding them in KB Support's own tables, beside its reference, the same records
imported from files (`import`, the floor under any sync: a sync reads, then imports).

    python3 bench/sync_database.py [--count 100000] [--rounds 3]

The server is KBS_TEST_MARIADB's when set, else the one `.ci/mariadb start` starts. The site is
made from the shared generator's dataset (cached in ${BENCH_DATA:-/tmp/kbs-bench-data}, as
bench/import.sh does): customers and their meta (addresses PHP-serialized), companies as
`kbs_company` posts with meta, and up to three `kbs_ticket` posts per customer, each with the
customer meta and three other meta rows, as the plugin writes them. Each round syncs into a
fresh SQLite file; the median wall time of the whole command is judged against the goal
(20,000 customers/s).
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT.parent / "shared" / "bench" / "gen_customers.py"
SCHEMA = ROOT / "tests" / "fixtures" / "kbs-db" / "schema.sql"
BINARY = ROOT / "target" / "release" / "kbs-graphql"
GOAL = 20_000
SEED = 20261127
COMPANY_POST = 1_000_000  # a company's post ID: this plus its id in the dataset
TICKET_POST = 2_000_000


def sql_text(value):
    escaped = (
        value.replace("\\", "\\\\")
        .replace("'", "\\'")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\0", "\\0")
    )
    return f"'{escaped}'"


def php_string(text):
    return f's:{len(text.encode())}:"{text}";'


def php_array(members):
    body = "".join(php_string(k) + php_string(str(v)) for k, v in members.items())
    return f"a:{len(members)}:{{{body}}}"


def dataset(count, data):
    """The generator's files for COUNT customers, made once and reused while their stamp holds."""
    stamp = f"count={count} seed={SEED}"
    customers = data / "customers.jsonl"
    stamp_file = data / "generated"
    if not (stamp_file.exists() and stamp_file.read_text().strip() == stamp):
        print(f"generating {count} customers into {data}", file=sys.stderr)
        data.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, GENERATOR, "--count", str(count), "--seed", str(SEED),
             "--out-dir", data],
            check=True, stdout=subprocess.DEVNULL,
        )
        stamp_file.write_text(stamp + "\n")
    return customers, data / "companies.jsonl"


def site_sql(customers_path, companies_path, out):
    """The plugin's rows for the dataset, as multi-row INSERTs."""
    import json

    batches = {"customers": [], "meta": [], "posts": [], "postmeta": []}
    tables = {
        "customers": "wp_kbs_customers",
        "meta": "wp_kbs_customermeta (kbs_customer_id, meta_key, meta_value)",
        "posts": "wp_posts (ID, post_title, post_status, post_type, post_content, post_excerpt, "
        "to_ping, pinged, post_content_filtered)",
        "postmeta": "wp_postmeta (post_id, meta_key, meta_value)",
    }
    with open(out, "w") as sql:
        def add(kind, row):
            batch = batches[kind]
            batch.append(row)
            if len(batch) >= 1000:
                flush(kind)

        def flush(kind):
            if batches[kind]:
                sql.write(f"INSERT INTO {tables[kind]} VALUES {','.join(batches[kind])};\n")
                batches[kind].clear()

        sql.write("SET autocommit=0; SET unique_checks=0;\n")
        for line in open(companies_path):
            company = json.loads(line)
            post = COMPANY_POST + company["id"]
            add("posts", f"({post},{sql_text(company['name'])},'publish','kbs_company','','','','','')")
            for key in ("email", "phone", "website", "contact"):
                if key in company:
                    add("postmeta", f"({post},'_kbs_company_{key}',{sql_text(str(company[key]))})")
        ticket = TICKET_POST
        for line in open(customers_path):
            c = json.loads(line)
            cid = c["id"]
            notes = "".join("\n\n" + note for note in reversed(c.get("notes", [])))
            company = COMPANY_POST + c["company"] if c.get("company") else 0
            add("customers", "({},{},{},{},{},{},'',{},{})".format(
                cid, c.get("user_id", 0), sql_text(c["email"]), sql_text(c.get("name", "")),
                company, c.get("ticket_count", 0), sql_text(notes), sql_text(c["date_created"])))
            for email in c.get("additional_emails", []):
                add("meta", f"({cid},'additional_email',{sql_text(email)})")
            phone = c.get("phone", {})
            for key, meta in (("primary", "primary_phone"), ("additional", "additional_phone")):
                if key in phone:
                    add("meta", f"({cid},'{meta}',{sql_text(phone[key])})")
            if "website" in c:
                add("meta", f"({cid},'website',{sql_text(c['website'])})")
            if "address" in c:
                add("meta", f"({cid},'address',{sql_text(php_array(c['address']))})")
            for _ in range(min(c.get("ticket_count", 0), 3)):
                ticket += 1
                add("posts", f"({ticket},'A ticket','open','kbs_ticket','Help me.','','','','')")
                add("postmeta", f"({ticket},'_kbs_ticket_customer_id','{cid}')")
                add("postmeta", f"({ticket},'_kbs_ticket_user_email',{sql_text(c['email'])})")
                add("postmeta", f"({ticket},'_kbs_ticket_key','{ticket:032x}')")
                add("postmeta", f"({ticket},'_kbs_ticket_version_created','1.6.1')")
        for kind in batches:
            flush(kind)
        sql.write("COMMIT;\n")


def mariadb_server():
    url = os.environ.get("KBS_TEST_MARIADB")
    if not url:
        out = subprocess.run([ROOT / ".ci" / "mariadb", "start"], check=True,
                             capture_output=True, text=True).stdout
        url = re.search(r"KBS_TEST_MARIADB='([^']+)'", out).group(1)
    m = re.match(r"mysql://([^:@]+):([^@]*)@([^:/]+):(\d+)", url)
    return url.rstrip("/"), m.groups()


def client(server, database=None):
    user, password, host, port = server
    return ["mariadb", "--no-defaults", "-h", host, "-P", port, "-u", user, f"-p{password}"] + (
        [database] if database else [])


def timed(command):
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(map(str, command))} failed:\n{done.stderr}")
    return wall, done.stderr


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    data = Path(os.environ.get("BENCH_DATA", "/tmp/kbs-bench-data")) / f"customers-{args.count}"
    customers, companies = dataset(args.count, data)
    url, server = mariadb_server()
    database = f"kbs_bench_{args.count}"
    site = data / "site.sql"
    loaded = data / "site-loaded"
    if not site.exists():
        site_sql(customers, companies, site)
    present = subprocess.run(
        client(server) + ["-N", "-e", f"SELECT COUNT(*) FROM `{database}`.wp_kbs_customers"],
        capture_output=True, text=True).stdout.strip()
    if present != str(args.count) or not loaded.exists():
        print(f"loading the site into {database}", file=sys.stderr)
        subprocess.run(client(server) + ["-e", f"DROP DATABASE IF EXISTS `{database}`; "
                                         f"CREATE DATABASE `{database}`"], check=True)
        for part in (SCHEMA, site):
            with open(part) as source:
                subprocess.run(client(server, database), stdin=source, check=True)
        loaded.write_text("yes\n")
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)

    syncs, imports = [], []
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        export = (scratch / "customers.jsonl", scratch / "companies.jsonl")
        for round in range(1, args.rounds + 1):
            db = scratch / f"sync-{round}.db"
            wall, said = timed([BINARY, "--database", db, "sync", "--from", f"{url}/{database}"])
            summary = [line for line in said.splitlines() if line.startswith("synced")]
            synced = int(re.match(r"synced (\d+) customers", summary[-1]).group(1))
            if synced != args.count:
                sys.exit(f"round {round} synced {synced} customers, not {args.count}: no figure")
            print(f"round {round}: {summary[-1]}", file=sys.stderr)
            syncs.append(wall)
            if round == 1:
                timed([BINARY, "--database", db, "export", "--customers", export[0],
                       "--companies", export[1]])
            # The reference, interleaved: the same records from files.
            db = scratch / f"import-{round}.db"
            wall, _ = timed([BINARY, "--database", db, "import", "--customers", export[0],
                             "--companies", export[1]])
            imports.append(wall)

    sync_wall, import_wall = statistics.median(syncs), statistics.median(imports)
    sync_rate, import_rate = args.count / sync_wall, args.count / import_wall
    print(f"{'':>22} {'customers':>10} {'seconds':>8} {'customers/s':>12} {'goal':>8} {'ratio':>6}")
    print(f"{'sync --from mysql://':>22} {args.count:>10,} {sync_wall:>8.2f} {sync_rate:>12,.0f}"
          f" {GOAL:>8,} {sync_rate / GOAL:>6.2f}")
    print(f"{'import (reference)':>22} {args.count:>10,} {import_wall:>8.2f} {import_rate:>12,.0f}"
          f" {'':>8} {'':>6}")
    print(f"sync / import: {sync_rate / import_rate:.2f} of the import's rate")
    print(f"rounds: sync {', '.join(f'{w:.2f} s' for w in syncs)}; "
          f"import {', '.join(f'{w:.2f} s' for w in imports)} (medians judged; wall time of the "
          f"whole command)")
    print(f"speed: {'PASS' if sync_rate >= GOAL else 'FAIL'} (>= {GOAL:,} customers/s)")


if __name__ == "__main__":
    main()
