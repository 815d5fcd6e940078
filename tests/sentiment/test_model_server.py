"""A model server on the user's network (Ollama or OpenAI-compatible), asked over real HTTP
by the real client, with the offline scorer whenever the server fails."""

import json
import re
import socket
import threading

import pytest

from monitor.config import parse_model_spec
from monitor.replay import Reply
from monitor.sentiment.backend import Verdict
from monitor.sentiment.models import open_judge
from tests.sentiment.model_server import (
    OLLAMA,
    OPENAI,
    answering,
    envelope,
    held_until,
    posts_of,
    results,
    serve_model,
)

TEXTS = [
    ("Kahve Durağı berbat, kimse ilgilenmiyor", "tr"),
    ("Kahve Durağı harika", "tr"),
    ("Φρέσκο Καφέ ανοίγει αύριο;", "el"),
]


def judge_for(dialect: str, url: str, **options):
    model = parse_model_spec(f"{dialect}:stand-in@{url}").model_copy(update=options)
    return open_judge(model)


@pytest.mark.parametrize("dialect", ["ollama", "openai"])
def test_a_batch_is_one_request_and_each_answer_is_read(replay, dialect):
    judge = judge_for(dialect, serve_model(replay, dialect))

    verdicts = judge.judge(TEXTS)

    assert verdicts == [
        Verdict("neg", -0.9, ("complaint",)),
        Verdict("pos", 0.8, ("praise",)),
        Verdict("neu", 0.0, ("question",)),
    ]
    (request,) = replay.seen()
    body = json.loads(request.body)
    assert body["model"] == "stand-in"
    assert [p["text"] for p in posts_of(request)] == [text for text, _ in TEXTS]
    assert [p["language"] for p in posts_of(request)] == ["tr", "tr", "el"]
    if dialect == "ollama":
        assert request.path == OLLAMA and body["format"] == "json" and body["stream"] is False
    else:
        assert request.path == OPENAI and body["response_format"] == {"type": "json_object"}
    assert judge.take_tally().by_model == 3


def test_batches_follow_the_batch_size_and_the_cache_saves_asking_again(replay):
    judge = judge_for("ollama", serve_model(replay, "ollama"), batch=2)

    judge.judge(TEXTS)
    assert [len(posts_of(r)) for r in replay.seen()] == [2, 1]
    again = judge.judge([*TEXTS, ("Kahve Durağı berbat", "tr")])

    assert [len(posts_of(r)) for r in replay.seen()] == [2, 1, 1]  # only the new text
    assert again[0] == Verdict("neg", -0.9, ("complaint",))
    assert judge.take_tally().by_model == 7


def test_same_text_in_another_language_is_not_taken_from_the_cache(replay):
    judge = judge_for("ollama", serve_model(replay, "ollama"))
    judge.judge([("Kahve Durağı harika", "tr")])
    judge.judge([("Kahve Durağı harika", "en")])
    assert len(replay.seen()) == 2


def test_an_openai_key_is_sent_as_a_bearer_token(replay):
    from pydantic import SecretStr

    judge = judge_for("openai", serve_model(replay, "openai"), api_key=SecretStr("sk-local"))
    judge.judge(TEXTS[:1])
    assert replay.seen()[0].headers["authorization"] == "Bearer sk-local"


def test_a_base_url_ending_in_v1_is_not_doubled(replay):
    judge = judge_for("openai", serve_model(replay, "openai") + "/v1")
    assert judge.judge(TEXTS[:1]) == [Verdict("neg", -0.9, ("complaint",))]
    assert replay.seen()[0].path == OPENAI


def test_a_failing_server_falls_back_then_is_left_alone_until_retry_after(replay):
    now = [0.0]
    url = serve_model(
        replay, "ollama", Reply(500, {"error": "model runner crashed"}), answering("ollama")
    )
    judge = judge_for("ollama", url)
    judge.clock = lambda: now[0]

    assert judge.judge(TEXTS) == [None, None, None]
    assert judge.judge(TEXTS) == [None, None, None]  # resting: not asked again
    assert len(replay.seen()) == 1
    now[0] += 61  # past retry_after (1m)
    assert judge.judge(TEXTS)[0] == Verdict("neg", -0.9, ("complaint",))

    tally = judge.take_tally()
    assert tally.by_model == 3 and tally.fallback == {"down": 6}
    assert tally.last_problem == f"down: HTTP 500 from {url}{OLLAMA}: model runner crashed"


def test_an_openai_error_says_what_the_server_said(replay):
    refusal = {"error": {"message": "The model `stand-in` does not exist.", "type": "invalid"}}
    url = serve_model(replay, "openai", Reply(404, refusal))
    judge = judge_for("openai", url)
    assert judge.judge(TEXTS[:1]) == [None]
    assert judge.take_tally().last_problem == (
        f"down: HTTP 404 from {url}{OPENAI}: The model `stand-in` does not exist."
    )


def test_a_server_that_is_not_there_is_down():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    judge = judge_for("ollama", f"http://127.0.0.1:{port}")
    assert judge.judge(TEXTS) == [None, None, None]
    tally = judge.take_tally()
    assert tally.fallback == {"down": 3} and "refused" in tally.last_problem


def test_a_slow_server_times_out(replay):
    release = threading.Event()
    try:
        judge = judge_for("ollama", serve_model(replay, "ollama", held_until(release)))
        judge.backend.timeout = 0.2
        assert judge.judge(TEXTS) == [None, None, None]
    finally:
        release.set()
    tally = judge.take_tally()
    assert tally.fallback == {"slow": 3}
    assert tally.last_problem == "slow: no answer within 0.2 s"


@pytest.mark.parametrize(
    "reply, problem",
    [
        (Reply(200, b"<html>gateway</html>"), "the server's answer is not JSON"),
        (Reply(200, {"done": True}), "no message in the ollama answer"),
        (Reply(200, envelope("ollama", "Sure! The first post is negative.")), "not JSON"),
        (Reply(200, envelope("ollama", '{"verdicts": "negative"}')), "no list of results"),
    ],
)
def test_an_answer_that_makes_no_sense_falls_back_and_is_said(replay, reply, problem):
    judge = judge_for("ollama", serve_model(replay, "ollama", reply, answering("ollama")))
    assert judge.judge(TEXTS) == [None, None, None]
    tally = judge.take_tally()
    assert tally.fallback == {"nonsense": 3} and problem in tally.last_problem
    # Nonsense is not an outage: the next batch asks again.
    assert judge.judge(TEXTS[:1]) == [Verdict("neg", -0.9, ("complaint",))]


def test_each_bad_result_falls_back_alone(replay):
    def mixed(posts):
        good = results(posts)["results"]
        return {
            "results": [
                {**good[0], "label": "furious"},  # not a label
                {**good[1], "score": -0.5},  # positive with a negative score
                {**good[2], "intents": "question"},  # not a list
                {"id": 7, "label": "negative", "score": -1},  # no such post
            ]
        }

    judge = judge_for("ollama", serve_model(replay, "ollama", answering("ollama", mixed)))
    texts = [*TEXTS, ("Kahve Durağı berbat", "tr")]
    assert judge.judge(texts) == [None, None, None, None]
    assert judge.take_tally().fallback == {"nonsense": 4}


def test_fenced_json_a_bare_list_and_unknown_intents_are_read(replay):
    def fenced(posts):
        listed = [{**r, "intents": [*r["intents"], "sarcasm"]} for r in results(posts)["results"]]
        return "```json\n" + json.dumps(listed) + "\n```"

    judge = judge_for("openai", serve_model(replay, "openai", answering("openai", fenced)))
    assert judge.judge(TEXTS[:1]) == [Verdict("neg", -0.9, ("complaint",))]


def test_a_label_without_a_score_gets_the_labels_usual_score(replay):
    def unscored(posts):
        return {"results": [{"id": p["id"], "label": "positive"} for p in posts]}

    judge = judge_for("ollama", serve_model(replay, "ollama", answering("ollama", unscored)))
    assert judge.judge(TEXTS[:1]) == [Verdict("pos", 0.6, None)]


def test_a_server_that_hangs_up_without_answering_is_down():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()

        def hang_up():
            # Read the whole request first: closing on unread data would reset the
            # connection instead of hanging up on it.
            connection, _ = listener.accept()
            with connection:
                received = b""
                while b"\r\n\r\n" not in received:
                    received += connection.recv(65536)
                head, _, body = received.partition(b"\r\n\r\n")
                length = int(re.search(rb"(?i)content-length: *(\d+)", head)[1])
                while len(body) < length:
                    body += connection.recv(65536)

        threading.Thread(target=hang_up, daemon=True).start()
        judge = judge_for("ollama", f"http://127.0.0.1:{listener.getsockname()[1]}")
        assert judge.judge(TEXTS) == [None, None, None]
    tally = judge.take_tally()
    assert tally.fallback == {"down": 3} and "RemoteDisconnected" in tally.last_problem


def test_a_backend_that_breaks_unexpectedly_falls_back_as_down():
    from monitor.sentiment.backend import Judge

    class Broken:
        def judge(self, items):
            raise RuntimeError("index out of range in the model")

    judge = Judge(Broken(), "broken model", ["tr"])
    assert judge.judge(TEXTS[:2]) == [None, None]
    tally = judge.take_tally()
    assert tally.fallback == {"down": 2}
    assert tally.last_problem == "down: RuntimeError: index out of range in the model"
