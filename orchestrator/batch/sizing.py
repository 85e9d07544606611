"""How many instances run at once by default: containers are the unit."""

from __future__ import annotations

import os
import re

_UNITS = {"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
# Memory the batch process, the Docker engine and the page cache need besides the sandboxes.
HOST_RESERVE_BYTES = 2 << 30


def parse_memory(text: str) -> int:
    """Docker memory syntax (`4g`, `512m`, `1073741824`) to bytes."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([bkmgt]?)b?\s*", text.lower())
    if not m:
        raise ValueError(f"not a memory size: {text!r}")
    return int(float(m.group(1)) * _UNITS[m.group(2)])


def available_memory() -> int | None:
    """MemAvailable from /proc/meminfo, or None where there is no such file."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def default_workers(container_cpus: float, container_memory: str, cores: int | None = None,
                    memory_bytes: int | None = None) -> int:
    """As many sandboxes as both the cores and the free memory hold at their limits; at least one."""
    cores = cpu_count() if cores is None else cores
    memory_bytes = available_memory() if memory_bytes is None else memory_bytes
    by_cpu = int(cores / container_cpus) if container_cpus > 0 else cores
    slots = by_cpu
    if memory_bytes is not None:
        per = parse_memory(container_memory)
        slots = min(slots, (memory_bytes - HOST_RESERVE_BYTES) // per if per > 0 else slots)
    return max(1, int(slots))
