"""The HTML sources through the real command, side by side, as a user runs them."""

from monitor.replay import Reply
from tests.helpers import fixture_text, kulak, write_settings

LATTE = "/kahve-duragi/yulaf-sutlu-latte-soguk-geldi"
TOPIC = "/kahve-duragi--7012345"


def html_sources(url: str) -> str:
    return f"""sources:
  sikayetvar: {{base_url: "{url}", brands: [kahve-duragi]}}
  telegram: {{base_url: "{url}", channels: [istanbulkahve]}}
  eksisozluk: {{base_url: "{url}", topics: [kahve-duragi--7012345]}}
"""


def serve(replay, topic: Reply) -> None:
    replay.add("/kahve-duragi", Reply(200, fixture_text("sikayetvar", "brand-page2.html")))
    replay.add(LATTE, Reply(200, fixture_text("sikayetvar", "yulaf-sutlu-latte-soguk-geldi.html")))
    replay.add("/s/istanbulkahve", Reply(200, fixture_text("telegram", "channel-before-1231.html")))
    replay.add(TOPIC, topic)


def test_kulak_collect_reads_all_three(tmp_path, replay):
    last_page = fixture_text("eksisozluk", "topic-p3.html").replace('data-pagecount="3"', "")
    serve(replay, Reply(200, last_page))
    settings = write_settings(tmp_path, html_sources(replay.url))

    collected = kulak("collect", "--once", "--config", str(settings), cwd=tmp_path)

    assert collected.returncode == 0, collected.stdout + collected.stderr
    assert "sikayetvar: 1 new posts" in collected.stdout
    assert "telegram: 2 new posts" in collected.stdout
    assert "eksisozluk: 1 new posts" in collected.stdout
    # robots.txt is asked for before the pages (by each source that finds it not yet kept)
    assert replay.seen()[0].path == "/robots.txt"


def test_kulak_collect_names_a_blocked_source_and_exits_1(tmp_path, replay):
    challenge = fixture_text("sikayetvar", "challenge.html")
    serve(replay, Reply(403, challenge, {"Server": "cloudflare", "cf-mitigated": "challenge"}))
    settings = write_settings(tmp_path, html_sources(replay.url))

    collected = kulak("collect", "--once", "--config", str(settings), cwd=tmp_path)

    assert collected.returncode == 1
    blocked = [line for line in collected.stdout.splitlines() if "blocked" in line]
    assert blocked and "bot-protection page" in blocked[0], collected.stdout
    assert "sikayetvar: 1 new posts" in collected.stdout  # the others still collect
