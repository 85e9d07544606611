"""GitHub App authentication: a JWT signed with the App's key, exchanged for installation tokens.

githubkit signs the JWT (RS256) and calls the exchange endpoint; this module only decides when a
cached installation token is too close to expiry to be handed out.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from githubkit import AppAuthStrategy, GitHub
from githubkit.cache import MemCacheStrategy
from githubkit.exception import GitHubException, RequestFailed
from pydantic import SecretStr

from orchestrator.config.model import AppSettings
from orchestrator.github_app.errors import AppConfigError, GitHubApiError


@dataclass(frozen=True)
class InstallationToken:
    # SecretStr, so a traceback that shows frame locals (structlog's dict_tracebacks) prints ****.
    token: SecretStr
    expires_at: datetime


def needs_refresh(current: InstallationToken | None, now: datetime, margin: timedelta) -> bool:
    """A token is replaced while it still works, so no request or `git push` starts with a dying one."""
    return current is None or current.expires_at - now <= margin


def read_private_key(app: AppSettings) -> str:
    if app.app_id is None:
        raise AppConfigError("app.app_id is not set (ORCH_APP__APP_ID)")
    if app.private_key_path is None:
        raise AppConfigError("app.private_key_path is not set (ORCH_APP__PRIVATE_KEY_PATH)")
    path = app.private_key_path.expanduser()
    try:
        pem = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AppConfigError(f"app.private_key_path: cannot read {path}: {exc.strerror}") from None
    if "PRIVATE KEY" not in pem:
        raise AppConfigError(f"app.private_key_path: {path} is not a PEM private key")
    return pem


def api_client(api_url: str, auth: object) -> GitHub:
    """A githubkit client for `api_url`; HTTP caching off, since the App's reads must be fresh.

    Its own cache, too: githubkit's default cache is process-wide and keys the App JWT by app id
    only, so two Apps (or two keys of one App) in one process would share a JWT.
    """
    return GitHub(auth, base_url=api_url, http_cache=False, timeout=30, cache_strategy=MemCacheStrategy())  # type: ignore[arg-type]


class InstallationTokens:
    """Installation tokens of one App, cached per installation and refreshed before they expire."""

    def __init__(
        self,
        app_id: int,
        private_key: str,
        api_url: str,
        refresh_margin: timedelta,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._app = api_client(api_url, AppAuthStrategy(app_id, private_key))
        self._margin = refresh_margin
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[int, InstallationToken] = {}

    @classmethod
    def from_settings(cls, app: AppSettings) -> InstallationTokens:
        pem = read_private_key(app)
        assert app.app_id is not None  # read_private_key checked it
        return cls(app.app_id, pem, app.api_url, timedelta(seconds=app.token_refresh_seconds))

    def token(self, installation_id: int) -> SecretStr:
        with self._lock:
            current = self._tokens.get(installation_id)
            if needs_refresh(current, self._clock(), self._margin):
                current = self._exchange(installation_id)
                self._tokens[installation_id] = current
            assert current is not None
            return current.token

    def _exchange(self, installation_id: int) -> InstallationToken:
        try:
            data = self._app.rest.apps.create_installation_access_token(installation_id).json()
        except RequestFailed as exc:
            raise GitHubApiError("exchange the App JWT for an installation token", exc.response.status_code) from None
        except GitHubException as exc:
            raise GitHubApiError(f"exchange the App JWT for an installation token ({type(exc).__name__})", None) from None
        expires = datetime.strptime(data["expires_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        return InstallationToken(token=SecretStr(data.pop("token")), expires_at=expires)
