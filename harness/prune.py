"""Removing orch's environment images to reclaim disk.

Instance images are cheap to rebuild (a checkout and an install on top of their env image); env
images cost minutes of dependency installs; the base image needs debootstrap. So the default
prunes instance images only, and each wider kind must be asked for. Images left dangling when a
tag was rebuilt carry our labels and are always fair game, unless a tag pattern narrows the
selection. An image a container still uses is skipped with the reason, never forced.
"""

from __future__ import annotations

import fnmatch
import re
import time
from dataclasses import dataclass, field
from typing import Any

import structlog

from harness.images import ImageInfo

log = structlog.get_logger(__name__)

KINDS = ("instance", "env", "base")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> float:
    """`30m`, `12h`, `7d`, `2w` -> seconds; anything else is a ValueError naming the format."""
    m = _DURATION.match(text)
    if not m:
        raise ValueError(f"bad duration {text!r}: expected a number and a unit s/m/h/d/w, e.g. 7d")
    return float(m.group(1)) * _SECONDS[m.group(2)]


@dataclass(frozen=True)
class PruneRequest:
    kinds: frozenset[str] = frozenset({"instance"})
    older_than_s: float | None = None
    """Only images created at least this long ago."""
    match: str | None = None
    """A glob over tags (`orch-inst:django*`); when set, dangling images are left alone."""
    dry_run: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown image kind(s) {sorted(unknown)}: choose from {', '.join(KINDS)}")


@dataclass
class PruneResult:
    removed: list[ImageInfo] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(tag or id, why it was kept)."""
    dry_run: bool = False

    @property
    def freed_mb(self) -> float:
        # Layers shared with kept images are not freed; this is the upper bound docker reports.
        return round(sum(r.size_mb for r in self.removed), 1)


def _candidates(images: list[dict[str, Any]], req: PruneRequest, now: float) -> list[tuple[str, ImageInfo]]:
    """(reference to remove, its row) for each selected image; pure, so it is tested without Docker."""
    chosen: list[tuple[str, ImageInfo]] = []
    for img in images:
        labels = img.get("Labels") or {}
        kind = labels.get("orch.kind")
        if kind is None:
            continue  # not ours, whatever its name says
        created = img.get("Created", 0)
        if req.older_than_s is not None and now - created < req.older_than_s:
            continue
        row = dict(
            kind=kind, key=labels.get("orch.key", labels.get("orch.recipe", "")),
            size_mb=round(img.get("Size", 0) / 1e6, 1), created=time.strftime("%Y-%m-%d %H:%M", time.gmtime(created)),
        )
        tags = [t for t in img.get("RepoTags") or [] if t != "<none>:<none>"]
        if not tags:
            if req.match is None:
                chosen.append((img["Id"], ImageInfo(tag=f"<dangling {img['Id'][7:19]}>", **row)))
            continue
        if kind not in req.kinds:
            continue
        for tag in tags:
            if req.match is None or fnmatch.fnmatchcase(tag, req.match):
                chosen.append((tag, ImageInfo(tag=tag, **row)))
    order = {k: i for i, k in enumerate(KINDS)}
    return sorted(chosen, key=lambda c: (order.get(c[1].kind, 9), c[1].tag))


def prune_images(client: Any, req: PruneRequest) -> PruneResult:
    """Remove the images `req` selects through the docker SDK's low-level client."""
    images = client.api.images(filters={"label": "orch.kind"}, all=False)
    result = PruneResult(dry_run=req.dry_run)
    for ref, info in _candidates(images, req, time.time()):
        if req.dry_run:
            result.removed.append(info)
            continue
        try:
            # Untagging one of several tags frees nothing, which is what we want: the image stays
            # for its other names.
            client.api.remove_image(ref, force=False, noprune=False)
        except Exception as exc:  # docker.errors.APIError; 409 when a container uses it
            status = getattr(getattr(exc, "response", None), "status_code", None)
            why = "in use by a container" if status == 409 else f"{type(exc).__name__}: {str(exc)[:200]}"
            result.skipped.append((info.tag, why))
            continue
        result.removed.append(info)
        log.info("image.pruned", tag=info.tag, kind=info.kind, size_mb=info.size_mb)
    return result
