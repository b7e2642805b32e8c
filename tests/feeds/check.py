#!/usr/bin/env python3
"""Reads a running instance's feeds and sitemaps as a feed reader and a search engine would.

RSS and Atom through feedparser (bozo must be false), the JSON Feed against the fields
JSON Feed 1.1 requires, the sitemap index and every sitemap it names with the sitemap and
Google News namespaces. Usage: check.py http://127.0.0.1:18181 [--news] (--news: an article was published in the last
two days, so the news sitemap must list it).
"""
import json
import sys
import urllib.request
import xml.etree.ElementTree as ET

import feedparser

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


def fetch(url):
    with urllib.request.urlopen(url, timeout=30) as res:
        return res.headers.get("Content-Type", ""), res.read()


def check_xml_feed(base, name, kind):
    content_type, body = fetch(f"{base}/feeds/articles.{name}")
    assert content_type.startswith(f"application/{kind}+xml"), content_type
    feed = feedparser.parse(body)
    assert not feed.bozo, f"{name}: {feed.bozo_exception}"
    assert feed.feed.get("title"), f"{name}: no title"
    assert feed.entries, f"{name}: no entries"
    for entry in feed.entries:
        assert entry.get("title") and entry.get("link"), f"{name}: {entry}"
        assert entry.get("published_parsed"), f"{name}: no date in {entry.get('link')}"
    print(f"{name}: {feed.version}, {len(feed.entries)} entries, bozo false")


def check_json_feed(base):
    content_type, body = fetch(f"{base}/feeds/articles.json")
    assert content_type.startswith("application/feed+json"), content_type
    feed = json.loads(body)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(feed["title"], str) and feed["title"]
    for key in ("home_page_url", "feed_url", "description", "language"):
        assert isinstance(feed.get(key), str), key
    assert isinstance(feed["items"], list) and feed["items"]
    for item in feed["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert isinstance(item.get("content_html"), str) or isinstance(item.get("content_text"), str)
        for key in ("url", "title", "summary", "date_published", "date_modified"):
            assert key not in item or isinstance(item[key], str), key
        assert "tags" not in item or all(isinstance(t, str) for t in item["tags"])
    print(f"json: JSON Feed 1.1, {len(feed['items'])} items")


def check_sitemaps(base, news_expected):
    _, body = fetch(f"{base}/sitemap.xml")
    index = ET.fromstring(body)
    assert index.tag == f"{SITEMAP}sitemapindex", index.tag
    locations = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    assert locations, "an empty sitemap index"
    for location in locations:
        _, body = fetch(location)
        urlset = ET.fromstring(body)
        assert urlset.tag == f"{SITEMAP}urlset", urlset.tag
        urls = urlset.findall(f"{SITEMAP}url")
        for url in urls:
            assert url.find(f"{SITEMAP}loc").text.startswith("http")
            news = url.find(f"{NEWS}news")
            if location.endswith("/news.xml"):
                publication = news.find(f"{NEWS}publication")
                assert publication.find(f"{NEWS}name").text
                assert publication.find(f"{NEWS}language").text == "vi"
                assert news.find(f"{NEWS}publication_date").text
                assert news.find(f"{NEWS}title").text
            else:
                assert url.find(f"{SITEMAP}lastmod").text
        if location.endswith("/news.xml") and news_expected:
            assert urls, "the news sitemap is empty although an article was just published"
        print(f"{location}: {len(urls)} URLs")


def main():
    base = sys.argv[1].rstrip("/")
    check_xml_feed(base, "rss", "rss")
    check_xml_feed(base, "atom", "atom")
    check_json_feed(base)
    check_sitemaps(base, "--news" in sys.argv[2:])


if __name__ == "__main__":
    main()
