"""`orch env prune`: selection is pure and tested alone; removal runs against the real engine on
images this test builds, so it never touches images other tests use."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import uuid

import pytest

from harness.prune import PruneRequest, _candidates, parse_duration

NOW = 1_000_000.0


def img(tags, kind="instance", age_s=0.0, size=1e6, id_="sha256:" + "a" * 64):
    return {"Id": id_, "RepoTags": tags, "Labels": {"orch.kind": kind, "orch.key": "k"} if kind else {}, "Created": NOW - age_s, "Size": size}


def tags(chosen):
    return [info.tag for _, info in chosen]


def test_default_selects_instance_images_and_dangling_rebuilds_only() -> None:
    images = [
        img(["orch-inst:a-1"]), img(["orch-env:x-1"], kind="env"), img(["orch-base:bookworm"], kind="base"),
        img(["<none>:<none>"], kind="env", id_="sha256:" + "b" * 64), img(["python:3.11"], kind=None),
    ]
    assert tags(_candidates(images, PruneRequest(), NOW)) == ["orch-inst:a-1", "<dangling bbbbbbbbbbbb>"]


def test_wider_kinds_age_and_glob() -> None:
    images = [img(["orch-inst:django-1"], age_s=3 * 86400), img(["orch-inst:sympy-1"], age_s=3 * 86400),
              img(["orch-inst:django-2"], age_s=60), img(["orch-env:django-3"], kind="env", age_s=9 * 86400),
              img(None, kind="env", id_="sha256:" + "c" * 64)]
    req = PruneRequest(kinds=frozenset({"instance", "env"}), older_than_s=parse_duration("2d"), match="orch-*:django*")
    # Dangling images have no tag a glob could match, so a glob leaves them.
    assert tags(_candidates(images, req, NOW)) == ["orch-inst:django-1", "orch-env:django-3"]


def test_bad_inputs_are_value_errors() -> None:
    assert parse_duration("90m") == 5400 and parse_duration("1w") == 604800
    with pytest.raises(ValueError, match="bad duration"):
        parse_duration("7 days")
    with pytest.raises(ValueError, match="unknown image kind"):
        PruneRequest(kinds=frozenset({"everything"}))


def orch(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ORCH_CONFIG"}
    return subprocess.run([sys.executable, "-m", "orchestrator", *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.docker
def test_prune_removes_unused_images_and_keeps_one_a_container_uses(docker_client) -> None:
    prefix = f"orch-inst:prunetest-{uuid.uuid4().hex[:10]}"
    for name in ("free", "busy"):
        # Distinct labels make distinct images: two tags of one image would share its fate.
        dockerfile = io.BytesIO(f"FROM scratch\nLABEL orch.kind=instance orch.key=prunetest orch.test={name}\n".encode())
        docker_client.images.build(fileobj=dockerfile, tag=f"{prefix}-{name}", rm=True)
    busy = docker_client.api.create_container(f"{prefix}-busy", command="/nothing")
    try:
        dry = orch("env", "prune", "--match", f"{prefix}-*", "--dry-run", "--json")
        assert dry.returncode == 0, dry.stderr
        assert {r["tag"] for r in json.loads(dry.stdout)["removed"]} == {f"{prefix}-free", f"{prefix}-busy"}
        assert len(docker_client.images.list(name=prefix.split(":")[0], filters={"label": "orch.key=prunetest"})) >= 1

        out = orch("env", "prune", "--match", f"{prefix}-*", "--json")
        assert out.returncode == 0, out.stderr
        result = json.loads(out.stdout)
        assert [r["tag"] for r in result["removed"]] == [f"{prefix}-free"]
        assert result["skipped"] == [{"tag": f"{prefix}-busy", "reason": "in use by a container"}]
        left = {t for i in docker_client.images.list(filters={"label": "orch.key=prunetest"}) for t in i.tags}
        assert f"{prefix}-free" not in left and f"{prefix}-busy" in left
    finally:
        docker_client.api.remove_container(busy["Id"], force=True)
        for name in ("free", "busy"):
            with contextlib.suppress(Exception):
                docker_client.images.remove(f"{prefix}-{name}", force=True)


def test_prune_with_engine_down_is_one_line() -> None:
    env = {**{k: v for k, v in os.environ.items() if k != "ORCH_CONFIG"}, "DOCKER_HOST": "unix:///nonexistent/docker.sock"}
    out = subprocess.run([sys.executable, "-m", "orchestrator", "env", "prune"], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 1 and out.stderr.startswith("error: Docker engine unavailable")
