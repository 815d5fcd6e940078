"""A local model folder (ONNX, Hugging Face layout), built here from nothing: no download."""

import json
import shutil

import pytest

pytest.importorskip("onnxruntime", reason="the models extra is not installed")
pytest.importorskip("onnx", reason="building the tiny model needs onnx (the dev extra)")

from monitor.config import parse_model_spec
from monitor.sentiment.backend import ModelUnusable, Verdict
from monitor.sentiment.models import open_judge
from tests.helpers import kulak, write_settings
from tests.sentiment.tiny_model import build_tiny_model


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return build_tiny_model(tmp_path_factory.mktemp("models") / "tiny")


def copy_of(tiny, tmp_path, **config_changes):
    folder = tmp_path / "copy"
    shutil.copytree(tiny, folder)
    config = json.loads((folder / "config.json").read_text())
    config.update(config_changes)
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def open_folder(folder, **options):
    return open_judge(parse_model_spec(str(folder)).model_copy(update=options))


def test_a_batch_is_scored_with_the_classes_config_json_names(tiny):
    judge = open_folder(tiny)
    verdicts = judge.judge(
        [("Kahve Durağı BERBAT", "tr"), ("υπέροχο μαγαζί", "el"), ("open at nine", "en")]
    )
    assert [v.label for v in verdicts] == ["neg", "pos", "neu"]
    assert verdicts[0].compound < -0.8 and verdicts[1].compound > 0.8
    assert verdicts[2].compound == pytest.approx(0.0, abs=0.01)
    assert all(v.intents is None for v in verdicts)  # kulak's cues read the intents


def test_texts_of_different_lengths_share_a_padded_batch(tiny):
    judge = open_folder(tiny)
    alone = judge.backend.judge([("berbat", "tr")])
    padded = judge.backend.judge([("berbat", "tr"), ("bu sabah kahve çok çok çok güzel", "tr")])
    assert padded[0] == alone[0]


def test_the_judge_sends_batches_of_the_configured_size(tiny):
    judge = open_folder(tiny, batch=2)
    sizes = []
    real = judge.backend.judge
    judge.backend.judge = lambda items: sizes.append(len(items)) or real(items)
    judge.judge([(f"harika {n}", "tr") for n in range(5)])
    assert sizes == [2, 2, 1]


def test_labels_in_settings_name_classes_the_model_card_leaves_unnamed(tiny, tmp_path):
    folder = copy_of(tiny, tmp_path, id2label={"0": "LABEL_0", "1": "LABEL_1", "2": "LABEL_2"})
    with pytest.raises(ModelUnusable) as caught:
        open_folder(folder)
    assert str(caught.value) == (
        "kulak cannot tell what the model's classes 'LABEL_0', 'LABEL_1', 'LABEL_2' mean: "
        "name each one in sentiment.model.labels as pos, neg or neu (e.g. LABEL_0: neg)"
    )
    judge = open_folder(folder, labels={"LABEL_0": "neg", "LABEL_1": "neu", "LABEL_2": "pos"})
    assert judge.judge([("rezalet", "tr")])[0].label == "neg"


def test_star_ratings_mapped_to_three_classes_add_up(tiny, tmp_path):
    # Two outputs mapped to one class: their probabilities are summed.
    folder = copy_of(tiny, tmp_path, id2label={"0": "1 star", "1": "3 stars", "2": "5 stars"})
    judge = open_folder(folder, labels={"1 star": "neg", "3 stars": "neu", "5 stars": "pos"})
    (verdict,) = judge.judge([("great", "en")])
    assert verdict.label == "pos" and verdict.compound > 0.8


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda f: (f / "config.json").unlink(), "no config.json in {f}"),
        (lambda f: (f / "config.json").write_text("{}"), "has no id2label"),
        (lambda f: (f / "config.json").write_text('{"id2label": {"0": "negative"}}'), "positive"),
        (lambda f: (f / "tokenizer.json").unlink(), "no tokenizer.json in {f}"),
        (lambda f: (f / "model.onnx").write_bytes(b"not a graph"), "not a model ONNX Runtime"),
        (lambda f: (f / "model.onnx").rename(f / "model.safetensors"), "optimum-cli export onnx"),
        (lambda f: (f / "model.onnx").unlink(), "no model.onnx in {f}"),
        (
            lambda f: (f / "config.json").write_text(
                '{"id2label": {"0": "negative", "1": "positive"}}'
            ),
            "gives 3 scores per text but config.json's id2label names 2 classes",
        ),
    ],
)
def test_a_folder_that_cannot_be_used_says_why(tiny, tmp_path, change, message):
    folder = copy_of(tiny, tmp_path)
    change(folder)
    with pytest.raises(ModelUnusable) as caught:
        open_folder(folder)
    assert message.format(f=folder) in str(caught.value)


@pytest.mark.parametrize(
    "where", ["onnx/model.onnx", "model_quantized.onnx", "onnx/model_quantized.onnx"]
)
def test_the_graph_is_found_where_exports_put_it(tiny, tmp_path, where):
    folder = copy_of(tiny, tmp_path)
    (folder / where).parent.mkdir(exist_ok=True)
    (folder / "model.onnx").rename(folder / where)
    judged = open_folder(folder).judge([("harika", "tr")])
    assert judged == open_folder(tiny).judge([("harika", "tr")])


def test_kulak_score_with_a_model_folder(tiny, tmp_path):
    lines = "Kahve Durağı berbat\nυπέροχο μαγαζί\n\n"
    done = kulak("score", "--model", str(tiny), cwd=tmp_path, input=lines)

    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(a["lang"], a["label"], a["by"]) for a in answers[:2]] == [
        ("tr", "neg", "model"),
        ("el", "pos", "model"),
    ]
    assert answers[0]["intents"] == ["complaint"]  # kulak's cues, on the model's score
    assert answers[2] == {
        "lang": "und",
        "compound": 0.0,
        "label": "neu",
        "intents": [],
        "by": "offline",
    }
    assert len(answers) == 3
    assert f"local model {tiny}: " in done.stderr


def test_kulak_score_names_a_folder_it_cannot_use(tmp_path):
    done = kulak("score", "--model", str(tmp_path), cwd=tmp_path, input="harika\n")
    assert done.returncode == 2
    assert f"--model: no config.json in {tmp_path}" in done.stderr


def test_verdict_scores_stay_within_minus_one_and_one(tiny):
    (verdict,) = open_folder(tiny).judge([("berbat " * 40, "tr")])
    assert verdict == Verdict("neg", verdict.compound) and -1 <= verdict.compound < -0.99


def test_kulak_check_opens_a_local_model(tiny, tmp_path):
    usable = write_settings(tmp_path, f"sentiment:\n  model:\n    type: local\n    path: {tiny}\n")
    done = kulak("check", "--config", str(usable), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"Sentiment: local model {tiny} first" in done.stdout

    broken = copy_of(tiny, tmp_path)
    (broken / "tokenizer.json").unlink()
    write_settings(tmp_path, "sentiment:\n  model:\n    type: local\n    path: copy\n")
    done = kulak("check", "--config", str(usable), cwd=tmp_path)
    assert done.returncode == 1
    assert f"local model copy first, but no tokenizer.json in {broken}" in done.stderr
