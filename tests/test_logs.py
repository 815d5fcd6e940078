"""Service logs: secrets from the settings are masked in text and JSON lines alike."""

import json
import logging
import sys

from monitor.logs import MASK, JsonFormatter, RedactingFormatter, mask, secrets_of
from tests.helpers import BASE_SETTINGS, make_settings

SECRET = 'xoxb-77-"quoted"-Şifre'


def record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("slack_sdk", logging.DEBUG, __file__, 1, message, args, None)


def test_secrets_are_found_in_channel_options_and_the_database_url():
    settings = make_settings(
        """
channels:
  slack:
    token: ${SLACK_BOT_TOKEN}
    channel: "#brand-alerts"
""",
        base=BASE_SETTINGS.replace(
            "kulak:\n", "kulak:\n  database: postgresql+psycopg://kulak:pg-Parola9@db/kulak\n"
        ),
        env={"SLACK_BOT_TOKEN": SECRET},
    )
    assert secrets_of(settings) == {SECRET, "pg-Parola9"}


def test_text_lines_mask_a_secret_wherever_a_library_puts_it():
    formatter = RedactingFormatter([SECRET], "%(name)s: %(message)s")
    line = formatter.format(record("POST %s headers=%r", "https://slack.test/api", {"t": SECRET}))
    assert SECRET not in line and MASK in line
    assert line.startswith("slack_sdk: POST https://slack.test/api")


def test_json_lines_mask_before_encoding():
    line = JsonFormatter([SECRET]).format(record("token=%s", SECRET))
    entry = json.loads(line)
    assert entry["message"] == f"token={MASK}"
    assert entry["level"] == "debug" and entry["logger"] == "slack_sdk"
    assert "xoxb-77" not in line


def test_a_traceback_no_handler_sees_is_masked_too(capsys):
    mask([SECRET])
    try:
        try:
            raise RuntimeError(f"POST https://hooks.slack.test/{SECRET} failed")
        except RuntimeError as exc:
            sys.excepthook(type(exc), exc, exc.__traceback__)  # as Python does at the end
    finally:
        mask(())
    printed = capsys.readouterr().err
    assert "Traceback" in printed and "RuntimeError: POST https://hooks.slack.test/" in printed
    assert SECRET not in printed and "xoxb-77" not in printed
