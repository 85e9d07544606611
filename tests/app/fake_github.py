"""A local HTTP server that behaves like the parts of GitHub's API the App uses.

It checks what GitHub checks (the App JWT's RS256 signature and issuer, installation tokens on
every call and on git over HTTP, that a PR's head branch exists) and records what was done, so
tests assert on outcomes: comments, reactions, labels, pulls, pushed branches. Git is served by
the real `git http-backend` over bare repositories under `git_root`.
"""

from __future__ import annotations

import base64
import secrets
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio.to_thread
import jwt
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

BOT_LOGIN = "orch-app[bot]"


@dataclass
class FakeGitHub:
    app_id: int
    public_key_pem: bytes
    git_root: Path
    token_ttl: timedelta = timedelta(hours=1)
    installations: set[int] = field(default_factory=lambda: {1})
    permissions: dict[str, str] = field(default_factory=dict)
    """login -> permission on every repository (missing = not a collaborator, 404)."""
    issues: dict[tuple[str, str, int], dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    reactions: list[dict[str, Any]] = field(default_factory=list)
    pulls: list[dict[str, Any]] = field(default_factory=list)
    tokens: dict[str, int] = field(default_factory=dict)
    token_exchanges: int = 0
    requests: list[tuple[str, str]] = field(default_factory=list)
    base_url: str = ""
    reject_pulls: bool = False
    """Answer every PR creation with 422, as GitHub does e.g. when the base branch is protected oddly."""
    _next_id: int = 1000
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- fixtures' view -------------------------------------------------------------------
    def add_issue(self, owner: str, repo: str, number: int, title: str, body: str, labels: list[str]) -> None:
        self.issues[(owner, repo, number)] = {
            "number": number,
            "title": title,
            "body": body,
            "state": "open",
            "labels": [{"name": n} for n in labels],
            "html_url": f"{self.base_url}/{owner}/{repo}/issues/{number}",
        }

    def labels(self, owner: str, repo: str, number: int) -> list[str]:
        with self._lock:
            return [lab["name"] for lab in self.issues[(owner, repo, number)]["labels"]]

    def issue_comments(self, owner: str, repo: str, number: int) -> list[str]:
        with self._lock:
            return [c["body"] for c in self.comments.values() if c["issue"] == (owner, repo, number)]

    def clone_url(self, owner: str, repo: str) -> str:
        return f"{self.base_url}/git/{owner}/{repo}.git"

    # --- helpers --------------------------------------------------------------------------
    def _id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _installation_token(self, request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        if header.startswith("token ") and header[6:] in self.tokens:
            return header[6:]
        return None

    def _issue(self, request: Request) -> dict[str, Any] | None:
        p = request.path_params
        return self.issues.get((p["owner"], p["repo"], int(p["number"])))

    def _repo_dir(self, owner: str, repo: str) -> Path:
        return self.git_root / owner / f"{repo}.git"

    def _branch_sha(self, owner: str, repo: str, branch: str) -> str | None:
        proc = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"],
            cwd=self._repo_dir(owner, repo),
            capture_output=True,
            text=True,
        )
        return proc.stdout.strip() or None

    # --- routes ---------------------------------------------------------------------------
    async def access_tokens(self, request: Request) -> Response:
        self.requests.append((request.method, request.url.path))
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            return JSONResponse({"message": "A JSON web token could not be decoded"}, 401)
        try:
            claims = jwt.decode(header[7:], self.public_key_pem, algorithms=["RS256"])
        except jwt.PyJWTError as exc:
            return JSONResponse({"message": f"bad JWT: {exc}"}, 401)
        if str(claims.get("iss")) != str(self.app_id):
            return JSONResponse({"message": "wrong issuer"}, 401)
        installation = int(request.path_params["installation"])
        if installation not in self.installations:
            return JSONResponse({"message": "Not Found"}, 404)
        token = "ghs_" + secrets.token_hex(18)
        with self._lock:
            self.tokens[token] = installation
            self.token_exchanges += 1
        expires = (datetime.now(UTC) + self.token_ttl).strftime("%Y-%m-%dT%H:%M:%SZ")
        return JSONResponse({"token": token, "expires_at": expires, "permissions": {}}, 201)

    async def api(self, request: Request) -> Response:
        """Every installation-token route: authenticate, then dispatch on method and path."""
        self.requests.append((request.method, request.url.path))
        if self._installation_token(request) is None:
            return JSONResponse({"message": "Bad credentials"}, 401)
        handler = request.scope["route_handler"]
        # With the body read first, handlers never suspend, so holding a thread lock is safe here;
        # it keeps the tests' reads consistent with the event loop's writes.
        await request.body()
        with self._lock:
            return await handler(request)

    async def get_issue(self, request: Request) -> Response:
        issue = self._issue(request)
        return JSONResponse(issue) if issue else JSONResponse({"message": "Not Found"}, 404)

    async def list_comments(self, request: Request) -> Response:
        p = request.path_params
        key = (p["owner"], p["repo"], int(p["number"]))
        items = [
            {"id": cid, "body": c["body"], "user": {"login": c["user"]}}
            for cid, c in sorted(self.comments.items())
            if c["issue"] == key
        ]
        per_page = int(request.query_params.get("per_page", 30))
        page = int(request.query_params.get("page", 1))
        return JSONResponse(items[(page - 1) * per_page : page * per_page])

    async def create_comment(self, request: Request) -> Response:
        if self._issue(request) is None:
            return JSONResponse({"message": "Not Found"}, 404)
        p = request.path_params
        cid = self._id()
        body = (await request.json())["body"]
        self.comments[cid] = {"issue": (p["owner"], p["repo"], int(p["number"])), "body": body, "user": BOT_LOGIN}
        return JSONResponse({"id": cid, "body": body}, 201)

    async def edit_comment(self, request: Request) -> Response:
        cid = int(request.path_params["comment_id"])
        if cid not in self.comments:
            return JSONResponse({"message": "Not Found"}, 404)
        self.comments[cid]["body"] = (await request.json())["body"]
        return JSONResponse({"id": cid, "body": self.comments[cid]["body"]})

    async def create_reaction(self, request: Request) -> Response:
        p = request.path_params
        content = (await request.json())["content"]
        key = (p["owner"], p["repo"], int(p["number"]))
        for existing in self.reactions:
            if existing["issue"] == key and existing["content"] == content:
                return JSONResponse({"id": existing["id"], "content": content}, 200)
        reaction = {"id": self._id(), "issue": key, "content": content}
        self.reactions.append(reaction)
        return JSONResponse({"id": reaction["id"], "content": content}, 201)

    async def add_labels(self, request: Request) -> Response:
        issue = self._issue(request)
        if issue is None:
            return JSONResponse({"message": "Not Found"}, 404)
        names = (await request.json())["labels"]
        for name in names:
            if name not in [lab["name"] for lab in issue["labels"]]:
                issue["labels"].append({"name": name})
        return JSONResponse(issue["labels"])

    async def remove_label(self, request: Request) -> Response:
        issue = self._issue(request)
        name = request.path_params["name"]
        if issue is None or name not in [lab["name"] for lab in issue["labels"]]:
            return JSONResponse({"message": "Label does not exist"}, 404)
        issue["labels"] = [lab for lab in issue["labels"] if lab["name"] != name]
        return JSONResponse(issue["labels"])

    async def permission(self, request: Request) -> Response:
        user = request.path_params["user"]
        if user not in self.permissions:
            return JSONResponse({"message": f"{user} is not a user"}, 404)
        return JSONResponse({"permission": self.permissions[user], "user": {"login": user}})

    async def get_ref(self, request: Request) -> Response:
        p = request.path_params
        ref = p["ref"]
        sha = self._branch_sha(p["owner"], p["repo"], ref.removeprefix("heads/")) if ref.startswith("heads/") else None
        if sha is None:
            return JSONResponse({"message": "Not Found"}, 404)
        return JSONResponse({"ref": f"refs/{ref}", "object": {"sha": sha, "type": "commit"}})

    async def delete_ref(self, request: Request) -> Response:
        p = request.path_params
        ref = p["ref"]
        proc = subprocess.run(["git", "update-ref", "-d", f"refs/{ref}"], cwd=self._repo_dir(p["owner"], p["repo"]))
        return Response(status_code=204 if proc.returncode == 0 else 422)

    async def list_pulls(self, request: Request) -> Response:
        head = request.query_params.get("head")
        found = [pr for pr in self.pulls if head is None or f"{pr['owner']}:{pr['head']['ref']}" == head]
        return JSONResponse(found)

    async def create_pull(self, request: Request) -> Response:
        p = request.path_params
        data = await request.json()
        if self.reject_pulls or self._branch_sha(p["owner"], p["repo"], data["head"]) is None:
            return JSONResponse({"message": "Validation Failed", "errors": [{"field": "head"}]}, 422)
        number = len(self.pulls) + 100
        pull = {
            "number": number,
            "owner": p["owner"],
            "html_url": f"{self.base_url}/{p['owner']}/{p['repo']}/pull/{number}",
            "title": data["title"],
            "body": data.get("body", ""),
            "draft": bool(data.get("draft")),
            "head": {"ref": data["head"]},
            "base": {"ref": data["base"]},
            "state": "open",
        }
        self.pulls.append(pull)
        return JSONResponse(pull, 201)

    async def git(self, request: Request) -> Response:
        """Smart HTTP through `git http-backend`, behind installation-token basic auth."""
        self.requests.append((request.method, request.url.path))
        header = request.headers.get("authorization", "")
        try:
            user, _, password = base64.b64decode(header.removeprefix("Basic ")).decode().partition(":")
        except ValueError:
            user, password = "", ""
        if not header.startswith("Basic ") or user != "x-access-token" or password not in self.tokens:
            return Response("auth required", 401, headers={"WWW-Authenticate": 'Basic realm="GitHub"'})
        body = await request.body()
        env = {
            "PATH": "/usr/bin:/bin:/usr/local/bin",
            "GIT_PROJECT_ROOT": str(self.git_root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": "/" + request.path_params["path"],
            "REQUEST_METHOD": request.method,
            "QUERY_STRING": request.url.query,
            "CONTENT_TYPE": request.headers.get("content-type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_USER": user,
            "REMOTE_ADDR": "127.0.0.1",
            "GIT_PROTOCOL": request.headers.get("git-protocol", ""),
            "HTTP_CONTENT_ENCODING": request.headers.get("content-encoding", ""),
        }
        proc = await anyio.to_thread.run_sync(
            lambda: subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True)
        )
        head, _, payload = proc.stdout.partition(b"\r\n\r\n")
        if not _:
            head, _, payload = proc.stdout.partition(b"\n\n")
        status, headers = 200, {}
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            elif name:
                headers[name] = value.strip()
        return Response(payload, status, headers=headers)

    def asgi(self) -> Starlette:
        def api_route(path: str, handler: Any, method: str) -> Route:
            async def endpoint(request: Request) -> Response:
                request.scope["route_handler"] = handler
                return await self.api(request)

            return Route(path, endpoint, methods=[method])

        repo = "/repos/{owner}/{repo}"
        return Starlette(
            routes=[
                Route("/app/installations/{installation:int}/access_tokens", self.access_tokens, methods=["POST"]),
                api_route(repo + "/issues/comments/{comment_id:int}", self.edit_comment, "PATCH"),
                api_route(repo + "/issues/{number:int}", self.get_issue, "GET"),
                api_route(repo + "/issues/{number:int}/comments", self.list_comments, "GET"),
                api_route(repo + "/issues/{number:int}/comments", self.create_comment, "POST"),
                api_route(repo + "/issues/{number:int}/reactions", self.create_reaction, "POST"),
                api_route(repo + "/issues/{number:int}/labels", self.add_labels, "POST"),
                api_route(repo + "/issues/{number:int}/labels/{name}", self.remove_label, "DELETE"),
                api_route(repo + "/collaborators/{user}/permission", self.permission, "GET"),
                api_route(repo + "/git/ref/{ref:path}", self.get_ref, "GET"),
                api_route(repo + "/git/refs/{ref:path}", self.delete_ref, "DELETE"),
                api_route(repo + "/pulls", self.list_pulls, "GET"),
                api_route(repo + "/pulls", self.create_pull, "POST"),
                Route("/git/{path:path}", self.git, methods=["GET", "POST"]),
            ]
        )


class ServerThread:
    """A uvicorn server for an ASGI app on a free loopback port, in a daemon thread."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()
