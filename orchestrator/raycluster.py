"""Joining or starting a Ray cluster (optional extra `ray`), for the batch and the GitHub App.

Ray (2.x, Linux) swaps a loopback address for the host's own interface address, both the
cluster's and `_node_ip_address`, unless it is told it runs on one machine only. A throwaway
cluster or one joined on loopback must stay on loopback, so both callers connect through here.
"""

from __future__ import annotations

import os
import sys
from types import ModuleType
from typing import Any

SINGLE_MACHINE_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
"""Ray's switch for "this cluster is one machine"; every Ray process this driver starts inherits
it. A cluster joined on loopback must be started with it too
(`RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 ray start --head --node-ip-address=127.0.0.1`)."""


def is_loopback(address: str) -> bool:
    host = address.split("://")[-1].rsplit(":", 1)[0].strip("[]")
    return host in ("localhost", "::1") or host.startswith("127.")


def keep_on_loopback() -> None:
    """Make this process's Ray use loopback for loopback addresses (before or after `import ray`)."""
    os.environ.setdefault(SINGLE_MACHINE_ENV, "0")
    if os.environ[SINGLE_MACHINE_ENV] != "0":
        return  # the operator asked for the host address explicitly
    constants = sys.modules.get("ray._private.ray_constants")
    if constants is not None:
        # Ray read the setting when it was imported (e.g. by a test that started a cluster).
        constants.ENABLE_RAY_CLUSTER = False


def connect(address: str | None, *, what: str, object_store_memory: int,
            init_kwargs: dict[str, Any] | None = None) -> tuple[ModuleType, bool]:
    """(the ray module, whether this call started Ray and so must shut it down). `address` None
    starts a private single-node cluster on loopback; `what` names the setting for the error."""
    if address is None or is_loopback(address):
        keep_on_loopback()
    try:
        import ray
    except ImportError:
        raise RuntimeError(f"{what} 'ray' needs the optional extra: pip install 'orch[ray]'") from None
    if ray.is_initialized():
        return ray, False
    kwargs: dict[str, Any] = {"address": address, "include_dashboard": False, "log_to_driver": False}
    if address is None:
        kwargs.update(_node_ip_address="127.0.0.1", object_store_memory=object_store_memory)
    elif is_loopback(address):
        # A cluster on this machine's loopback: the driver must say it is there too.
        kwargs.update(_node_ip_address="127.0.0.1")
    kwargs.update(init_kwargs or {})
    ray.init(**{k: v for k, v in kwargs.items() if v is not None})
    return ray, True


def node_addresses(ray: ModuleType) -> list[str]:
    return sorted({n["NodeManagerAddress"] for n in ray.nodes() if n.get("Alive")})
