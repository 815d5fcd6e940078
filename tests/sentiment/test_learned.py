"""The learned half of the Turkish scorer: its file format, its calibration, and the
training script run end to end on a few invented lines."""

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.sentiment import label_for, score
from monitor.sentiment.learned import ModelError, parse_model, reading

ROOT = Path(__file__).parents[2]


def test_a_malformed_model_line_is_named():
    text = "#bias\t0\t0\t0\n#dense\t0\t0\t0\n#dense\t0\t0\t0\n#dense\t0\t0\t0\nkötü\t1\t0\n"
    with pytest.raises(ModelError, match=r"model_xx.tsv.gz line 5: expected three weights"):
        parse_model(text, "model_xx.tsv.gz")


def test_a_model_without_its_header_is_refused():
    with pytest.raises(ModelError, match=r"model_xx.tsv.gz: no #bias line"):
        parse_model("kötü\t1\t0\t-1\n", "model_xx.tsv.gz")


@pytest.mark.parametrize(
    "probabilities",
    [(0.5, 0.3, 0.2), (0.34, 0.33, 0.33), (0.2, 0.41, 0.39), (0.1, 0.2, 0.7), (0.3, 0.4, 0.3)],
)
def test_compound_and_label_agree(probabilities):
    value, label = reading(probabilities)
    assert label_for(value) == label
    assert label == ("neg", "neu", "pos")[probabilities.index(max(probabilities))]


@pytest.mark.parametrize(
    "text",
    [
        "Kargo rezalet, ürün kırık geldi",
        "Yeni paket harika, çok memnunum",
        "Yarın saat üçte toplantı var",
        "Turkcell bugün yeni tarifesini açıkladı",
    ],
)
def test_turkish_labels_are_the_likeliest_class(text):
    result = score(text, "tr")
    assert label_for(result.compound) == result.label


def test_the_model_is_read_on_first_use_not_on_import():
    code = (
        "import monitor.sentiment, monitor.sentiment.learned as m; "
        "print(m.model.cache_info().currsize); "
        "monitor.sentiment.analyse('Kargo yine gecikti, çok kötü'); "
        "print(m.model.cache_info().currsize)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.split() == ["0", "1"]


def test_training_writes_a_model_that_reads_what_it_was_taught(tmp_path):
    train = tmp_path / "train"
    (train / "tr").mkdir(parents=True)
    lines = ["label\ttext"]
    for i in range(8):
        lines += [
            f"neg\tkargo {i} gün gecikti, paket ezik geldi",
            f"pos\tkurye {i} dakikada geldi, paket özenli",
            f"neu\tmağaza {i} numaralı sokakta açık",
        ]
    (train / "tr" / "xed_subtitles_emotion_polarity.tsv").write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    out.mkdir()
    subprocess.run(
        [
            sys.executable,
            "scripts/train_sentiment.py",
            "--train",
            train,
            "--out",
            out,
            "--lang",
            "tr",
        ],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    model = parse_model(gzip.decompress((out / "model_tr.tsv.gz").read_bytes()).decode(), "m")
    neg, neu, pos = model.probabilities("paket ezik geldi", 0.0)
    assert neg > max(neu, pos)
    neg, neu, pos = model.probabilities("kurye özenli", 0.0)
    assert pos > max(neg, neu)


@pytest.mark.parametrize(
    "text",
    [
        "hala bekliyorum cevap yok",  # the rules read "bekliyorum" (hoping) warm
        "Şikayetime hâlâ cevap yok",
        "Paramı geri alamadım",  # no lexicon word at all
        "Merhaba, kartım iki haftadır gelmedi, yardımcı olur musunuz? Teşekkürler",
    ],
)
def test_complaints_the_rules_miss_are_negative(text):
    assert score(text, "tr").label == "neg"


def test_the_model_skips_pleas_and_laughter_where_the_rules_read_a_complaint():
    text = "alkışlar haha kartım gelmedi yardım destek"
    model = parse_model(
        "#bias\t0\t0\t0\n#dense\t0\t0\t0\n#dense\t0\t0\t0\n#dense\t0\t0\t0\n"
        "alkislar\t0\t0\t2\nhaha\t0\t0\t2\nyardim\t0\t0\t2\ndestek\t0\t0\t2\n",
        "m",
    )
    assert model.probabilities(text, -0.5) == model.probabilities("kartım gelmedi", -0.5)
    assert model.probabilities(text, 0.5)[2] > model.probabilities("kartım gelmedi", 0.5)[2]
