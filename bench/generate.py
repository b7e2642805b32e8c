#!/usr/bin/env python3
"""Realistic content at scale for the benchmarks: Vietnamese titles and text, people with aliases,
events with parents, tags and relations, written by bulk inserts into a newsroom SQLite database
that `newsroom migrate` created. Usage: generate.py <database file> <articles>   (bounded: one
transaction, no fsync while loading). Links carry their article's publish time and listing as
the service's triggers would set them (the triggers still run). Keys are folded as the service folds them (NFD, marks
stripped, lowercase, đ -> d), so that `q`, sorting and slugs behave as on written content."""
import json, random, sqlite3, sys, time, unicodedata
from datetime import datetime, timedelta

SYLLABLES = ("an ninh mạng hội nghị bộ trưởng đoàn đại biểu việt nam hợp tác quốc tế phòng chống "
             "tham nhũng chuyển đổi số kinh tế xã hội giáo dục y tế giao thông đô thị môi trường "
             "biển đảo nông nghiệp công nghiệp văn hóa thể thao du lịch khoa học công nghệ ngân hàng "
             "tài chính đầu tư xuất khẩu lao động việc làm thanh niên phụ nữ trẻ em người cao tuổi").split()
FAMILY = "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý".split()
MIDDLE = "Văn Thị Hữu Đức Minh Thanh Quốc Xuân Thu Hồng".split()
GIVEN = "An Bình Cường Dũng Giang Hà Hải Hạnh Hòa Hùng Khánh Lan Linh Long Mai Nam Ngọc Phong Quân Sơn Tâm Thảo Trung Tuấn Vinh".split()
KINDS = ["government", "ministry", "agency", "news_agency", "forum", "company", "other"]


def fold(text):
    stripped = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return stripped.lower().replace("đ", "d")


def search_key(*parts):
    words = []
    for part in parts:
        if part:
            words.extend(w for w in "".join(c if c.isalnum() else " " for c in fold(part)).split())
    return " " + " ".join(words) + " "


def slugify(text, n):
    base = "-".join("".join(c if c.isalnum() else " " for c in fold(text)).split())[:80].strip("-")
    return f"{base}-{n}"


def phrase(rng, low, high):
    return " ".join(rng.choice(SYLLABLES) for _ in range(rng.randint(low, high))).capitalize()


def main():
    path, count = sys.argv[1], int(sys.argv[2])
    rng = random.Random(20221021)
    started = time.time()
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA foreign_keys = OFF")
    now = "2026-11-25 00:00:00"
    cur = db.cursor()
    cur.execute("BEGIN")
    orgs, people, events, tags = 200, 2000, 1000, 500
    cur.executemany(
        "INSERT INTO organizations (id, slug, name, kind, country, search_key, sort_key, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, 'VN', ?, ?, ?, ?)",
        ((i, slugify(n, i), n, KINDS[i % len(KINDS)], search_key(n), fold(n), now, now)
         for i in range(1, orgs + 1) for n in [f"Cơ quan {phrase(rng, 2, 4)}"]))
    def person(i):
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        alias = fold(name).title()
        return (i, slugify(name, i), name, "VN", search_key(name, alias), fold(name), now, now, alias)
    rows = [person(i) for i in range(1, people + 1)]
    cur.executemany("INSERT INTO people (id, slug, name, country, search_key, sort_key, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (r[:8] for r in rows))
    cur.executemany("INSERT INTO person_aliases (person_id, name, language, kind, position) VALUES (?, ?, 'en', 'transliteration', 0)",
                    ((r[0], r[8]) for r in rows))
    def event(i):
        name = f"Hội nghị {phrase(rng, 2, 5)} lần thứ {i % 20 + 1}"
        start = datetime(2018, 1, 1) + timedelta(days=rng.randint(0, 3000))
        parent = rng.randint(1, i - 1) if i > 50 and rng.random() < 0.3 else None
        return (i, slugify(name, i), name, start.date().isoformat(), parent, search_key(name), fold(name), now, now)
    cur.executemany("INSERT INTO events (id, slug, name, starts_on, parent_id, search_key, sort_key, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (event(i) for i in range(1, events + 1)))
    cur.executemany("INSERT INTO tags (id, slug, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                    ((i, slugify(n, i), n, now, now) for i in range(1, tags + 1) for n in [phrase(rng, 2, 3)]))
    agencies = [i for i in range(1, orgs + 1) if KINDS[i % len(KINDS)] == "news_agency"]
    first = datetime(2021, 11, 25)
    span = int((datetime(2026, 11, 24) - first).total_seconds())
    batch = 20000
    for low in range(1, count + 1, batch):
        ids = range(low, min(low + batch, count + 1))
        articles, links_t, links_e, links_p, links_o = [], [], [], [], []
        for i in ids:
            title = phrase(rng, 8, 16)
            lead = phrase(rng, 15, 30) + "."
            text = phrase(rng, 30, 60) + "."
            if i % max(count // 10, 1) == 1:
                # A rare phrase in exactly ten articles at every size (the search benchmark).
                text += " Kỳ lân xuất hiện ở vịnh Hạ Long."
            body = json.dumps([{"type": "paragraph", "text": text}], ensure_ascii=False)
            at = (first + timedelta(seconds=rng.randint(0, span))).strftime("%Y-%m-%d %H:%M:%S")
            articles.append((i, slugify(title, i), title, lead, body, rng.choice(agencies), at,
                             search_key(title, lead), fold(title), at, at))
            for pos, t in enumerate(rng.sample(range(1, tags + 1), 3)):
                links_t.append((i, t, pos, at))
            links_e.append((i, rng.randint(1, events), 0, at))
            for pos, p in enumerate(rng.sample(range(1, people + 1), 2)):
                links_p.append((i, p, pos, at))
            links_o.append((i, rng.randint(1, orgs), 0, at))
        cur.executemany("INSERT INTO articles (id, slug, title, lead, body, source_id, status, published_at, "
                        "search_key, sort_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'published', ?, ?, ?, ?, ?)",
                        articles)
        cur.executemany("INSERT INTO article_tags (article_id, tag_id, position, published_at, listed) VALUES (?, ?, ?, ?, 1)", links_t)
        cur.executemany("INSERT INTO article_events (article_id, event_id, position, published_at, listed) VALUES (?, ?, ?, ?, 1)", links_e)
        cur.executemany("INSERT INTO article_people (article_id, person_id, position, published_at, listed) VALUES (?, ?, ?, ?, 1)", links_p)
        cur.executemany("INSERT INTO article_organizations (article_id, organization_id, position, published_at, listed) VALUES (?, ?, ?, ?, 1)", links_o)
    db.commit()
    db.execute("ANALYZE")
    db.close()
    print(f"generated {count} articles in {time.time() - started:.0f} s into {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
