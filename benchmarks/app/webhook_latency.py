"""Webhook answer time of `orch app serve`, measured over HTTP on loopback.

Starts the real server (stand-in solver, fake GitHub API from tests/app) and sends N signed
deliveries of three kinds: ignored (another label), queued (the trigger label on a new issue)
and duplicate (a delivery id seen before). Prints p50/p95/max per kind in milliseconds.

    .venv/bin/python benchmarks/app/webhook_latency.py --n 200
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "app"))

from app_harness import APP_ID, OWNER, REPO, AppProcess, labeled  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from fake_github import FakeGitHub, ServerThread  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="deliveries per kind")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        key_path = root / "app.pem"
        key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        # No installations: queued jobs stop at the token exchange, so the queue is what is measured.
        fake = FakeGitHub(app_id=APP_ID, public_key_pem=public, git_root=root / "git", installations=set())
        with ServerThread(fake.asgi()) as server:
            fake.base_url = server.url
            app = AppProcess(root / "state", server.url, APP_ID, key_path, "stand_in_solver:stand_in_failure").start()
            try:
                clone = fake.clone_url(OWNER, REPO)
                timings: dict[str, list[float]] = {"ignored": [], "queued": [], "duplicate": []}
                for i in range(args.n):
                    for kind, payload, delivery in (
                        ("ignored", labeled(clone, "m", label="bug"), f"ign-{i}"),
                        ("queued", labeled(clone, "m", number=1000 + i), f"q-{i}"),
                        ("duplicate", labeled(clone, "m", number=1000 + i), f"q-{i}"),
                    ):
                        began = time.perf_counter()
                        response = app.deliver("issues", payload, delivery=delivery)
                        timings[kind].append((time.perf_counter() - began) * 1000)
                        assert response.status_code < 300, response.text
            finally:
                app.stop()
    for kind, values in timings.items():
        values.sort()
        p95 = values[int(0.95 * (len(values) - 1))]
        print(f"{kind:<10} n={len(values)} p50={statistics.median(values):.1f} ms p95={p95:.1f} ms max={values[-1]:.1f} ms")


if __name__ == "__main__":
    main()
