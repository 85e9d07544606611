"""A GitHub-shaped REST server on loopback, serving fixed issues, comments and repositories."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse


@contextmanager
def github_server(routes: dict[str, Any], prefix: str = "/api/v3") -> Iterator[tuple[str, list[dict]]]:
    """Yields (api base URL, list of seen requests). `routes` maps a path to its JSON body."""
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            path = urlparse(self.path).path
            seen.append({"path": path, "auth": self.headers.get("Authorization")})
            rel = path[len(prefix) :] if path.startswith(prefix) else None
            if rel is None or rel not in routes:
                self._send(404, {"message": "Not Found"})
                return
            self._send(200, routes[rel])

        def _send(self, code: int, body: Any) -> None:
            raw = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}", seen
    finally:
        server.shutdown()
        server.server_close()


def issue_routes(owner: str, repo: str, number: int, title: str, body: str, comments: list[str]) -> dict:
    base = f"/repos/{owner}/{repo}"
    return {
        f"{base}/issues/{number}": {
            "number": number,
            "title": title,
            "body": body,
            "comments": len(comments),
            "html_url": f"https://github.example/{owner}/{repo}/issues/{number}",
        },
        f"{base}/issues/{number}/comments": [{"body": c} for c in comments],
        base: {"clone_url": f"https://github.example/{owner}/{repo}.git", "default_branch": "main"},
    }
