#!/usr/bin/env python3
"""The Python reference pipeline a user might write instead of wirefeed.

fetch (urllib, with ETags) -> parse (feedparser) -> clean (regex) -> near-duplicate check
(datasketch MinHashLSH, 128 permutations, 5-word shingles, threshold 0.8) -> keyword tagging
(one regex per topic of config/taxonomy.toml) -> produce JSON (confluent-kafka, idempotent,
acks=all, zstd, linger 5 ms) -> wait for every delivery report.

Run by `wirefeed-bench` against the same feeds and broker; prints one JSON line of results.
"""
import argparse
import hashlib
import html
import json
import re
import resource
import time
import tomllib
import urllib.request

import feedparser
from confluent_kafka import Producer
from datasketch import MinHash, MinHashLSH

TAG = re.compile(r"<[^>]+>")
PARA = re.compile(r"</p>\s*<p>|<br\s*/?>\s*<br\s*/?>", re.I)
UPDATE = re.compile(r"^(?:UPDATE|WRAPUP)\s*(\d{1,3})\s*-\s*")


def load_taxonomy(path):
    with open(path, "rb") as f:
        tax = tomllib.load(f)
    topics = []
    for t in tax.get("topic", []):
        default = t.get("weight", 1.0)
        weights = {}
        for p in t["include"]:
            phrase, w = (p, default) if isinstance(p, str) else (p["phrase"], p.get("weight", default))
            weights[phrase.lower()] = w
        pattern = r"\b(?:" + "|".join(re.escape(p) for p in weights) + r")\b"
        topics.append((t["id"], re.compile(pattern, re.I), weights, t.get("min_score", 3.0)))
    return topics


def shingles(words, k=5):
    return {" ".join(words[i : i + k]).encode() for i in range(max(1, len(words) - k + 1))}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--feeds-file", required=True)
    ap.add_argument("--brokers", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--taxonomy", required=True)
    args = ap.parse_args()
    urls = [u.strip() for u in open(args.feeds_file) if u.strip()]
    topics = load_taxonomy(args.taxonomy)
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    producer = Producer(
        {
            "bootstrap.servers": args.brokers,
            "enable.idempotence": True,
            "acks": "all",
            "compression.type": "zstd",
            "linger.ms": 5,
        }
    )
    state = {"acked": 0, "failed": 0, "last_ack": None}

    def delivered(err, _msg):
        if err is None:
            state["acked"] += 1
            state["last_ack"] = time.monotonic()
        else:
            state["failed"] += 1

    started = time.monotonic()
    bytes_in = bytes_out = duplicates = produced = 0
    for url in urls:
        with urllib.request.urlopen(url, timeout=30) as resp:
            doc = resp.read()
        bytes_in += len(doc)
        feed = feedparser.parse(doc)
        for e in feed.entries:
            headline = html.unescape(e.get("title", "")).strip()
            raw = e.get("summary", "")
            paragraphs = [
                " ".join(html.unescape(TAG.sub(" ", p)).split()) for p in PARA.split(raw)
            ]
            paragraphs = [p for p in paragraphs if p]
            body = "\n\n".join(paragraphs)
            m = UPDATE.match(headline)
            version = int(m.group(1)) + 1 if m else 1
            headline = UPDATE.sub("", headline)
            words = body.lower().split()
            mh = MinHash(num_perm=128)
            mh.update_batch(list(shingles(words)))
            # An update is a new version of its story, not a duplicate of it.
            if version == 1 and lsh.query(mh):
                duplicates += 1
                continue
            uri = "urn:pybench:" + hashlib.sha1((url + e.get("id", "")).encode()).hexdigest()[:16]
            if version == 1:
                lsh.insert(uri, mh)
            text = headline + "\n" + body
            subjects = [
                {"literal": tid, "name": tid}
                for tid, rx, weights, min_score in topics
                if sum(weights.get(m.lower(), 1.0) for m in rx.findall(text)) >= min_score
            ]
            record = json.dumps(
                {
                    "uri": uri,
                    "type": "text",
                    "version": str(version),
                    "headlines": [{"role": "main", "value": headline}],
                    "bodies": [{"role": "main", "contenttype": "text/plain", "value": body}],
                    "subjects": subjects,
                }
            ).encode()
            bytes_out += len(record)
            while True:
                try:
                    producer.produce(args.topic, key=uri, value=record, on_delivery=delivered)
                    break
                except BufferError:
                    producer.poll(0.01)
            produced += 1
            producer.poll(0)
    producer.flush(120)
    ended = state["last_ack"] or time.monotonic()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "stories": state["acked"],
                "failed": state["failed"],
                "produced": produced,
                "duplicates": duplicates,
                "bytes_in": bytes_in,
                "bytes_out": bytes_out,
                "seconds": ended - started,
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
                "peak_rss_bytes": usage.ru_maxrss * 1024,
            }
        )
    )


if __name__ == "__main__":
    main()
