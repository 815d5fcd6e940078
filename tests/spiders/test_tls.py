"""Collectors verify TLS certificates: a server that cannot prove it is the source never
sees a credential. Certificates are made at test time; nothing here is trusted unless
the test says so."""

from __future__ import annotations

import json
import logging

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.serialization import Encoding

from monitor.cli import main
from monitor.crawl import collect
from monitor.replay import ReplayServer, Reply
from tests.certs import certificate_authority, server_certificate
from tests.helpers import fixture_text, run, runtime_for, source_settings, write_settings

SEARCH = "/2/tweets/search/recent"
TOKEN = "test-bearer-token-7c1f"


def x_settings(url: str, **options):
    return source_settings("x", url, bearer_token=TOKEN, queries="[Kahve Durağı]", **options)


def collect_x(replay: ReplayServer, store, **options):
    replay.add(SEARCH, Reply(200, json.loads(fixture_text("x", "page1.json"))))
    settings = x_settings(replay.url, **options)
    runtime = runtime_for(settings, store)
    return run(collect(runtime, settings.source("x")))


@pytest.fixture
def impostor(tmp_path):
    """An HTTPS server whose self-signed certificate names another host."""
    with ReplayServer(tls=server_certificate("api.x.com").write(tmp_path, "impostor")) as server:
        yield server


def test_a_server_that_cannot_prove_its_name_never_gets_the_token(impostor, sqlite_store):
    report = collect_x(impostor, sqlite_store)

    assert impostor.seen() == []  # the handshake failed: no request, no Authorization header
    (status, reason), *_ = report.problems
    assert status == "unreachable" and reason.startswith("TLS: the server's certificate")
    assert report.new_posts == 0
    assert sqlite_store.state("x")["status"] == "unreachable"


def test_a_certificate_from_a_ca_trusted_through_ssl_cert_file_is_accepted(
    tmp_path, sqlite_store, monkeypatch
):
    ca = certificate_authority()
    ca_file = tmp_path / "lab-ca.pem"
    ca_file.write_bytes(ca.certificate.public_bytes(Encoding.PEM))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    pair = server_certificate("127.0.0.1", signer=ca).write(tmp_path, "server")
    with ReplayServer(tls=pair) as server:
        report = collect_x(server, sqlite_store)

        assert report.ok and report.new_posts > 0
        assert server.seen(SEARCH)[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_tls_verify_false_is_explicit_and_warned_at_every_run(
    impostor, sqlite_store, tmp_path, caplog
):
    with caplog.at_level(logging.WARNING, logger="monitor.crawl"):
        report = collect_x(impostor, sqlite_store, tls_verify="false")

    assert report.ok  # a lab proxy the user chose to trust blindly
    assert any("NOT verified" in r.getMessage() for r in caplog.records)
    path = write_settings(
        tmp_path, f"sources:\n  x:\n    base_url: {impostor.url}\n    tls_verify: false\n"
    )
    checked = CliRunner().invoke(main, ["check", "--config", str(path)])
    assert "TLS certificates NOT verified (tls_verify: false)" in checked.output
    listed = CliRunner().invoke(main, ["sources", "--config", str(path)])
    assert "NOT verified" in listed.output
