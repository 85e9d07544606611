"""App authentication against the fake API: a JWT the server can verify, tokens refreshed in time."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from app_harness import APP_ID
from fake_github import FakeGitHub, ServerThread

from orchestrator.config.model import AppSettings
from orchestrator.github_app import AppConfigError, GitHubApiError, InstallationTokens
from orchestrator.github_app.auth import read_private_key
from orchestrator.github_app.client import RepoClient


def _tokens(fake: FakeGitHub, key_path: Path, margin: timedelta = timedelta(minutes=5)) -> InstallationTokens:
    return InstallationTokens(APP_ID, key_path.read_text(), fake.base_url, margin)


def test_installation_token_is_cached_then_refreshed_before_expiry(tmp_path: Path, app_key: tuple[Path, bytes]) -> None:
    fake = FakeGitHub(app_id=APP_ID, public_key_pem=app_key[1], git_root=tmp_path)
    with ServerThread(fake.asgi()) as server:
        fake.base_url = server.url
        tokens = _tokens(fake, app_key[0])
        first = tokens.token(1)
        assert tokens.token(1) == first and fake.token_exchanges == 1  # an hour left: reused

        fake.token_ttl = timedelta(minutes=4)  # inside the 5-minute margin from the start
        short = _tokens(fake, app_key[0])
        a, b = short.token(1), short.token(1)
        assert a != b and fake.token_exchanges == 3
        assert set(fake.tokens) == {t.get_secret_value() for t in (first, a, b)}


def test_the_api_rejects_a_jwt_from_another_key(tmp_path: Path, app_key: tuple[Path, bytes]) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fake = FakeGitHub(app_id=APP_ID, public_key_pem=app_key[1], git_root=tmp_path)
    with ServerThread(fake.asgi()) as server:
        fake.base_url = server.url
        forged = InstallationTokens(APP_ID, pem.decode(), fake.base_url, timedelta(minutes=5))
        client = RepoClient(forged, 1, fake.base_url, "octo", "demo")
        with pytest.raises(GitHubApiError, match="installation token failed with status 401"):
            client.token()
        # An App not installed there gets no token; the call fails naming the step and the status.
        fake.installations.clear()
        with pytest.raises(GitHubApiError, match="installation token failed with status 404"):
            RepoClient(_tokens(fake, app_key[0]), 1, fake.base_url, "octo", "demo").issue(7)
        assert fake.tokens == {}


def test_missing_credentials_are_named(tmp_path: Path) -> None:
    with pytest.raises(AppConfigError, match="app.app_id"):
        read_private_key(AppSettings())
    with pytest.raises(AppConfigError, match="app.private_key_path"):
        read_private_key(AppSettings(app_id=1))
    (tmp_path / "k.pem").write_text("not a key")
    with pytest.raises(AppConfigError, match="not a PEM private key"):
        read_private_key(AppSettings(app_id=1, private_key_path=tmp_path / "k.pem"))
