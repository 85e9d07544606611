"""The native Python extractor (`pyextract.c` linked with the vendored tree-sitter runtime),
compiled on first use into a per-user cache and loaded from there.

Compiling lazily, not at install time, keeps every existing environment working (an editable
install is never rebuilt when the C source changes; the cache key is the sources' hash, so a
changed source simply builds a new module). Concurrent workers build once: the first takes a
file lock, the others wait for it and load its result. Without a C compiler or Python headers,
`load` returns None and the caller keeps the pure-Python extractor.

`ORCH_NATIVE_EXTRACTOR=0` forces the Python extractor; `=require` makes a failed build an error
(the parity tests use it). `ORCH_NATIVE_CACHE` moves the cache (default
`$XDG_CACHE_HOME/orch/native`, else `~/.cache/orch/native`).
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import structlog

log = structlog.get_logger(__name__)

HERE = Path(__file__).resolve().parent
RUNTIME = HERE / "tree_sitter"
EXTRACTOR = HERE / "pyextract.c"
MODULE = "_orch_pyextract"
ENV_SWITCH = "ORCH_NATIVE_EXTRACTOR"
ENV_CACHE = "ORCH_NATIVE_CACHE"
CFLAGS = ["-O3", "-DNDEBUG", "-std=gnu11", "-fPIC", "-fvisibility=hidden", "-w"]


class NativeBuildError(RuntimeError):
    """The native extractor could not be compiled or loaded."""


def mode() -> str:
    """`off`, `auto` (default) or `require`, from ORCH_NATIVE_EXTRACTOR."""
    value = os.environ.get(ENV_SWITCH, "").strip().lower()
    if value in ("0", "off", "false", "no", "python"):
        return "off"
    if value == "require":
        return "require"
    return "auto"


def cache_dir() -> Path:
    if os.environ.get(ENV_CACHE):
        return Path(os.environ[ENV_CACHE])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "orch" / "native"


def load(language: object, helpers: dict[str, Callable]) -> ModuleType | None:
    """The configured native module, or None when switched off or not buildable (logged)."""
    setting = mode()
    if setting == "off":
        return None
    try:
        module = _import(build())
        module.configure(language, helpers)
        return module
    except Exception as exc:
        if setting == "require":
            raise
        log.warning("native extractor unavailable; using the Python extractor", error=f"{type(exc).__name__}: {exc}")
        return None


def build() -> Path:
    """Path of the compiled module for the current sources, compiling it if the cache lacks it."""
    cc = _compiler()
    include = sysconfig.get_paths()["include"]
    if not (Path(include) / "Python.h").exists():
        raise NativeBuildError(f"no Python headers in {include}")
    sources = [EXTRACTOR, *sorted(p for p in RUNTIME.rglob("*") if p.is_file() and p.suffix in (".c", ".h"))]
    ext = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    module_key = _digest([*cc, *CFLAGS, sys.version, ext, include], sources)
    cache = cache_dir()
    target = cache / f"{MODULE}-{module_key}{ext}"
    if target.exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # concurrent workers: one builds, the rest wait and reuse
        if target.exists():
            return target
        log.info("compiling the native extractor", cache=str(cache))
        _compile(cc, [*CFLAGS, "-shared", f"-I{RUNTIME / 'include'}", f"-I{RUNTIME / 'src'}", f"-I{include}", str(EXTRACTOR)], target)
        prune(cache, ext)
    return target


KEEP_BUILDS = 4
"""Builds kept per cache: other checkouts or Python versions on the machine may still use an
older one, but every change of the sources adds a build (~600 KB)."""


def prune(cache: Path, ext: str, keep: int = KEEP_BUILDS) -> list[Path]:
    """Remove all but the `keep` newest builds; returns what was removed. A process that has one
    loaded keeps its mapping (unlinking does not unmap)."""
    builds = sorted(cache.glob(f"{MODULE}-*{ext}"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in builds[keep:]:
        old.unlink(missing_ok=True)
    return builds[keep:]


def _compiler() -> list[str]:
    cc = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
    if not cc or shutil.which(cc[0]) is None:
        raise NativeBuildError(f"no C compiler ({' '.join(cc) or 'cc'} not found)")
    return cc


def _digest(words: list[str], files: list[Path]) -> str:
    h = hashlib.blake2b(digest_size=10)
    for word in words:
        h.update(word.encode() + b"\0")
    for path in files:
        h.update(str(path.relative_to(HERE)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _compile(cc: list[str], args: list[str], out: Path) -> None:
    # Into a temporary name, then renamed: a reader never sees a half-written file.
    fd, tmp = tempfile.mkstemp(dir=out.parent, suffix=out.suffix)
    os.close(fd)
    try:
        proc = subprocess.run([*cc, *args, "-o", tmp], capture_output=True, text=True)
        if proc.returncode != 0:
            raise NativeBuildError(f"{' '.join(cc)} failed: {proc.stderr.strip()[-2000:]}")
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _import(path: Path) -> ModuleType:
    loaded = sys.modules.get(MODULE)
    if loaded is not None:
        return loaded
    spec = importlib.util.spec_from_file_location(MODULE, path)
    if spec is None or spec.loader is None:
        raise NativeBuildError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[MODULE] = module
    return module
