"""The `sentiment:` section: a bad model setting names its key and line."""

from datetime import timedelta
from pathlib import Path

import pytest

from monitor.config import ConfigError, parse_model_spec
from monitor.logs import secrets_of
from tests.helpers import make_settings


def problems_of(extra: str, env: dict | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        make_settings(extra, env=env)
    return caught.value.problems


def test_no_section_means_the_offline_scorer():
    assert make_settings().sentiment.model is None


def test_a_server_model_with_its_defaults_and_a_secret_key():
    settings = make_settings(
        "sentiment:\n  model:\n    type: openai\n    url: http://gpu-box:8000/\n"
        "    name: qwen2.5-7b-instruct\n    api_key: ${MODEL_KEY}\n    languages: [tr, el]\n",
        env={"MODEL_KEY": "sk-local-123"},
    )
    model = settings.sentiment.model
    assert (model.type, model.url, model.languages) == (
        "openai",
        "http://gpu-box:8000",
        ["tr", "el"],
    )
    assert model.timeout == timedelta(seconds=30) and model.batch == 16
    assert model.description == "openai model qwen2.5-7b-instruct at http://gpu-box:8000"
    assert "sk-local-123" not in repr(model)
    assert "sk-local-123" in secrets_of(settings)


@pytest.mark.parametrize(
    "entry, problem",
    [
        ("    type: local\n", "sentiment.model (line 17): a model of type local needs path"),
        (
            "    type: ollama\n    url: http://h:11434\n",
            "sentiment.model (line 17): a model of type ollama needs name",
        ),
        (
            "    type: local\n    path: /models/x\n    url: http://h:11434\n",
            "sentiment.model (line 17): url is for models of type ollama and openai, not local",
        ),
        (
            "    type: ollama\n    url: http://h:11434\n    name: m\n    api_key: k\n",
            "sentiment.model (line 17): api_key is for models of type openai, not ollama",
        ),
        (
            "    type: ollama\n    url: gpu-box:11434\n    name: m\n",
            "sentiment.model.url (line 19): 'gpu-box:11434' is not a URL: write it as "
            "http://host:port",
        ),
        (
            "    type: local\n    path: /m\n    languages: [Turkish]\n",
            "sentiment.model.languages[0] (line 20): 'Turkish' is not a language code: write "
            "tr, el, en, de...",
        ),
        (
            "    type: local\n    path: /m\n    labels: {LABEL_0: bad}\n",
            "sentiment.model.labels.LABEL_0 (line 20): Input should be 'pos', 'neg' or 'neu'",
        ),
        (
            "    type: local\n    path: /m\n    batchsize: 8\n",
            "sentiment.model.batchsize (line 20): unknown key (check its spelling, or see "
            "the README for valid keys)",
        ),
        (
            "    type: huggingface\n    path: /m\n",
            "sentiment.model.type (line 18): Input should be 'local', 'ollama' or 'openai'",
        ),
        (
            "    type: ollama\n    url: http://h:11434\n    name: m\n    timeout: soon\n",
            "sentiment.model.timeout (line 21): bad duration 'soon': use a number with s, m, "
            "h, d or w (e.g. 15m)",
        ),
    ],
)
def test_a_bad_model_setting_names_its_key_and_line(entry, problem):
    assert problems_of("sentiment:\n  model:\n" + entry) == [problem]


def test_an_unset_key_variable_is_named():
    extra = "sentiment:\n  model:\n    type: openai\n    url: http://h\n    name: m\n"
    assert problems_of(extra + "    api_key: ${MODEL_KEY}\n") == [
        "sentiment.model.api_key (line 21): environment variable MODEL_KEY is not set"
    ]


@pytest.mark.parametrize(
    "spec, expected",
    [
        (
            "ollama:qwen2.5:7b@http://gpu-box:11434",
            ("ollama", "qwen2.5:7b", "http://gpu-box:11434"),
        ),
        (
            "openai:llama-3.1-8b@https://llm.lan/v1",
            ("openai", "llama-3.1-8b", "https://llm.lan/v1"),
        ),
    ],
)
def test_model_specs_of_kulak_score(spec, expected):
    model = parse_model_spec(spec)
    assert (model.type, model.name, model.url) == expected


def test_a_model_spec_that_is_not_a_server_is_a_folder():
    model = parse_model_spec("models/xlm-r-sentiment")
    assert model.type == "local" and model.path == Path("models/xlm-r-sentiment")


@pytest.mark.parametrize("spec", ["ollama:qwen2.5", "openai:@http://h", "ollama:m@gpu-box"])
def test_a_bad_model_spec_says_how_to_write_it(spec):
    with pytest.raises(ValueError, match=r"NAME@URL|is not a URL"):
        parse_model_spec(spec)
