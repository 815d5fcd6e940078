"""A crawl with `sentiment.model` set: the model scores the languages it covers, one batch
per page, and the offline scorer takes over whenever it fails; `kulak status` says so."""

import json
import threading

from monitor import reactor
from monitor.crawl import collect
from monitor.replay import Reply
from monitor.status import gather
from monitor.store import Store
from tests.helpers import kulak, make_settings, run, runtime_for, write_settings
from tests.sentiment.model_server import OLLAMA, answering, posts_of, serve_model

SEARCH = "/api/v1/search_by_date"
TEXTS = {
    "1": "Kahve Durağı berbat, kimse ilgilenmiyor",
    "2": "Demlik harika, teşekkürler",
    "3": "Φρέσκο Καφέ χάλια σήμερα",
    "4": "The coffee at Kahve Durağı was cold and the staff were rude today",
}


def serve_comments(replay) -> None:
    hits = [
        {
            "objectID": n,
            "author": f"guest{n}",
            "comment_text": text,
            "created_at_i": 1795166100 + int(n),
            "_tags": ["comment"],
        }
        for n, text in TEXTS.items()
    ]
    replay.add(SEARCH, Reply(200, {"hits": hits, "nbPages": 1}))


def model_settings(url: str, languages: str = "[tr, el]") -> str:
    return (
        f"sources:\n  hackernews:\n    base_url: {url}\n    queries: [Kahve Durağı]\n"
        f"sentiment:\n  model:\n    type: ollama\n    url: {url}\n    name: stand-in\n"
        f"    languages: {languages}\n"
    )


def stored(store) -> dict[str, tuple]:
    return {
        post["external_id"]: tuple((m["label"], m["compound"]) for m in post["mentions"])
        for post in store.iter_posts()
    }


def crawl(settings, store):
    runtime = runtime_for(settings, store)
    report = run(collect(runtime, settings.source("hackernews")))
    assert report.ok
    return runtime


def test_the_model_scores_the_languages_it_covers_in_one_batch_per_page(replay, sqlite_store):
    serve_comments(replay)
    url = serve_model(replay, "ollama")
    crawl(make_settings(model_settings(url)), sqlite_store)

    assert stored(sqlite_store) == {
        "1": (("neg", -0.9),),
        "2": (("pos", 0.8),),
        "3": (("neg", -0.9),),
        "4": (stored_offline("4"),),  # English: not a language the model covers
    }
    (asked,) = replay.seen(OLLAMA)
    assert [p["text"] for p in posts_of(asked)] == [TEXTS["1"], TEXTS["2"], TEXTS["3"]]
    intents = {p["external_id"]: p["mentions"][0]["intents"] for p in sqlite_store.iter_posts()}
    assert intents["1"] == ["complaint"] and intents["2"] == ["praise"]
    use = sqlite_store.model_use()
    assert use["by_model"] == 3 and use["fallback"] == {}


def stored_offline(external_id: str) -> tuple:
    from monitor.sentiment import analyse

    result = analyse(TEXTS[external_id])
    return (result.label, result.compound)


def test_a_server_that_fails_leaves_the_offline_scores_and_status_says_so(replay, sqlite_store):
    serve_comments(replay)
    url = serve_model(replay, "ollama", Reply(503, {"error": "loading model"}))
    settings = make_settings(model_settings(url))
    crawl(settings, sqlite_store)

    assert stored(sqlite_store) == {n: (stored_offline(n),) for n in TEXTS}
    use = sqlite_store.model_use()
    assert use["by_model"] == 0 and use["fallback"] == {"down": 3}
    line = gather(sqlite_store, settings).sentiment
    assert line.startswith(f"ollama model stand-in at {url} for tr, el; since ")
    assert line.endswith(
        "0 texts scored by the model, 3 by the offline scorer instead (3 down); last problem "
        + f"{line.split('last problem ')[1].split(': ')[0]}: down: HTTP 503 from {url}{OLLAMA}: "
        + "loading model"
    )


def test_counts_add_up_over_runs_and_restart_for_another_model(replay, sqlite_store):
    serve_comments(replay)
    url = serve_model(replay, "ollama")
    settings = make_settings(model_settings(url))
    crawl(settings, sqlite_store)
    sqlite_store.record_model_use(settings.sentiment.model.description, 2, {"slow": 1})

    line = gather(sqlite_store, settings).sentiment
    assert "5 texts scored by the model, 1 by the offline scorer instead (1 slow)" in line
    other = make_settings(model_settings(url).replace("stand-in", "bigger"))
    assert gather(sqlite_store, other).sentiment.endswith("for tr, el; not used yet")
    sqlite_store.record_model_use(other.sentiment.model.description, 1, {})
    assert "1 texts scored by the model, 0 by" in gather(sqlite_store, other).sentiment


def test_status_without_a_model_names_the_offline_scorer(sqlite_store):
    line = gather(sqlite_store, make_settings()).sentiment
    assert line == "offline scorer (no sentiment.model configured)"


def test_status_and_check_name_the_model_and_escape_what_the_server_said(tmp_path):
    path = write_settings(tmp_path, model_settings("http://gpu-box:11434"))
    done = kulak("status", "--config", str(path), cwd=tmp_path)
    assert (
        "Sentiment: ollama model stand-in at http://gpu-box:11434 for tr, el; not used yet"
        in done.stdout
    )
    checked = kulak("check", "--config", str(path), cwd=tmp_path)
    assert "Sentiment: ollama model stand-in at http://gpu-box:11434 first" in checked.stdout

    store = Store.open(f"sqlite:///{tmp_path / 'kulak.sqlite3'}")
    model = "ollama model stand-in at http://gpu-box:11434"
    store.record_model_use(model, 4, {"down": 1}, "down: HTTP 500: \x1b[2Jwiped\nline")
    store.close()
    done = kulak("status", "--config", str(path), cwd=tmp_path)
    assert "4 texts scored by the model, 1 by the offline scorer instead (1 down)" in done.stdout
    assert "down: HTTP 500: \\x1b[2Jwiped\\nline" in done.stdout
    assert "\x1b" not in done.stdout


def test_a_local_model_that_cannot_be_used_stops_collect_with_a_settings_problem(tmp_path):
    extra = "sentiment:\n  model:\n    type: local\n    path: models/missing\n"
    path = write_settings(tmp_path, extra)
    done = kulak("collect", "--once", "--config", str(path), cwd=tmp_path)
    assert done.returncode == 2
    missing = tmp_path / "models" / "missing"
    assert f"sentiment.model: {missing} is not a folder" in done.stderr


def test_kulak_score_with_the_settings_model(replay, tmp_path):
    url = serve_model(replay, "openai")
    path = write_settings(tmp_path, model_settings(url).replace("ollama", "openai"))
    done = kulak(
        "score", "--model", "settings", "--config", str(path), cwd=tmp_path, input=TEXTS["1"]
    )
    assert json.loads(done.stdout) == {
        "lang": "tr",
        "compound": -0.9,
        "label": "neg",
        "intents": ["complaint"],
        "by": "model",
    }


def test_the_crawl_keeps_running_while_the_model_answers(replay, sqlite_store):
    # The stand-in answers only once the crawl's event loop has run a callback: a model
    # call made on the loop itself would hold it, and time out.
    loop = reactor.loop()
    ran_on_the_loop = threading.Event()

    def answer_after_the_loop_ran(request):
        loop.call_soon_threadsafe(ran_on_the_loop.set)
        ran_on_the_loop.wait(timeout=10)
        return answering("ollama")(request)

    serve_comments(replay)
    url = serve_model(replay, "ollama", answer_after_the_loop_ran)
    crawl(make_settings(model_settings(url) + "    timeout: 5s\n"), sqlite_store)

    assert ran_on_the_loop.is_set()
    assert stored(sqlite_store)["1"] == (("neg", -0.9),)
    assert sqlite_store.model_use()["fallback"] == {}


def test_a_full_batch_is_sent_before_the_page_ends_and_every_post_is_stored(replay, sqlite_store):
    serve_comments(replay)
    url = serve_model(replay, "ollama")
    settings = make_settings(model_settings(url, "[tr, el, en]") + "    batch: 2\n")
    crawl(settings, sqlite_store)

    assert [len(posts_of(r)) for r in replay.seen(OLLAMA)] == [2, 2]
    assert stored(sqlite_store) == {
        "1": (("neg", -0.9),),
        "2": (("pos", 0.8),),
        "3": (("neg", -0.9),),
        "4": (("neu", 0.0),),  # the stand-in does not know "rude"
    }
    assert sqlite_store.state("hackernews")["cursor"] == {"Kahve Durağı": 1795166104}
