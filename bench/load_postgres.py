#!/usr/bin/env python3
"""Copies the content bench/generate.py wrote into a SQLite file to a PostgreSQL database that
`newsroom migrate` created, so that both backends are measured on the same rows. Streams each
table through `psql \\copy` in COPY's text format (no driver to install); the link tables'
triggers run as for any insert. Usage: load_postgres.py <sqlite file> <postgres url>"""
import sqlite3, subprocess, sys, time

TABLES = ["organizations", "people", "person_aliases", "events", "tags", "articles",
          "article_tags", "article_events", "article_people", "article_organizations"]


def text_value(value):
    if value is None:
        return "\\N"
    value = str(value)
    return (value.replace("\\", "\\\\").replace("\t", "\\t")
            .replace("\n", "\\n").replace("\r", "\\r"))


def copy(db, url, table):
    columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
    rows = db.execute(f"SELECT {', '.join(columns)} FROM {table}")
    psql = subprocess.Popen(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", url, "-c",
         f"\\copy {table} ({', '.join(columns)}) FROM STDIN"],
        stdin=subprocess.PIPE, text=True)
    count = 0
    for row in rows:
        psql.stdin.write("\t".join(text_value(v) for v in row) + "\n")
        count += 1
    psql.stdin.close()
    if psql.wait() != 0:
        sys.exit(f"copying {table} failed")
    return count


def main():
    path, url = sys.argv[1], sys.argv[2]
    started = time.time()
    db = sqlite3.connect(path)
    for table in TABLES:
        print(f"{table}: {copy(db, url, table)} rows", file=sys.stderr)
    # Ids were copied: the identity columns continue after them.
    fix = "; ".join(
        f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), GREATEST((SELECT max(id) FROM {t}), 1))"
        for t in TABLES if not t.startswith("article_"))
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", fix + "; ANALYZE"],
                   check=True, stdout=subprocess.DEVNULL)
    print(f"loaded {path} into PostgreSQL in {time.time() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
