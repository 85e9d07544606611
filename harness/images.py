"""Environment images, layered and cached by content key.

    orch-base:<release>              Debian root fs + python3 + git/patch + user `orch` (uid 1000)
    orch-env:<repo>-<version>-<key>  + /opt/venv with the spec's dependencies
    orch-inst:<instance>-<key>       + /testbed: the repository at its commit, installed

Each key hashes everything that goes into the layer (including the parent's image id), so a
changed spec or base rebuilds exactly what depends on it and nothing else. Builds may use the host
network (package downloads through the host's proxy, trusting the host's CA bundle, copied into
the build context); containers started from these images never have network.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import re
import shlex
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog

from harness.repos import RepoSource
from harness.specs import EnvSpec

log = structlog.get_logger(__name__)

BASE_SCRIPT = Path(__file__).resolve().parent / "resources" / "base-image.sh"
#: Bump when a Dockerfile template below changes: old images then stop matching their keys.
ENV_RECIPE_VERSION = "5"
INSTANCE_RECIPE_VERSION = "6"
SANDBOX_UID = 1000


class ImageBuildError(RuntimeError):
    """An image failed to build; `stage` is base/env/instance and `log_tail` the last lines."""

    def __init__(self, stage: str, tag: str, message: str, log_tail: str = "", log_path: Path | None = None) -> None:
        super().__init__(f"{stage} image {tag} failed to build: {message}")
        self.stage, self.tag, self.log_tail, self.log_path = stage, tag, log_tail, log_path


@dataclass(frozen=True)
class ImageInfo:
    tag: str
    kind: str
    key: str
    size_mb: float
    created: str


def _key(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_.-]+", "-", text.lower()).strip("-.")[:80]


def host_ca_bundle() -> Path | None:
    """The CA bundle the host's own clients trust (a TLS-intercepting proxy's CA lives there)."""
    for var in ("PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        if os.environ.get(var) and Path(os.environ[var]).is_file():
            return Path(os.environ[var])
    default = Path("/etc/ssl/certs/ca-certificates.crt")
    return default if default.is_file() else None


def resolve_requirements(read: Any, path: str, seen: set[str] | None = None) -> list[str]:
    """Flatten a requirements file, following `-r` includes; drop the repository's own install.

    `read(path) -> str | None` reads a file of the repository at the environment commit. Like the
    official harness, editable/self installs (`-e .`, `.[extra]`) are dropped: the repository is
    installed in the instance layer, at its own commit.
    """
    seen = seen if seen is not None else set()
    if path in seen:
        return []
    seen.add(path)
    text = read(path)
    if text is None:
        return []
    out: list[str] = []
    base = os.path.dirname(path)
    for raw in text.splitlines():
        line = raw.split(" #")[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-r ", "--requirement")):
            inc = line.split(None, 1)[1].strip() if " " in line else line.split("=", 1)[1]
            out += resolve_requirements(read, os.path.normpath(os.path.join(base, inc)), seen)
        elif line.startswith(("-e .", "-e.", ".[", ".")) or line in (".",):
            continue
        elif line.startswith(("-c ", "--constraint")):
            continue  # constraint files are not copied into the context
        else:
            out.append(line)
    return out


#: Build requirements the environment layer already pins; reinstalling them would undo the pins.
_TOOLING = re.compile(r"^(setuptools|setuptools[-_]scm|wheel|pip)\b", re.I)


def build_requires(src: Path) -> list[str]:
    """The repository's PEP 518 build requirements other than the pinned tooling.

    With build isolation off, a project built by flit or hatchling needs its backend in the venv.
    """
    import tomllib

    pyproject = src / "pyproject.toml"
    if not pyproject.is_file():
        return []
    try:
        requires = tomllib.loads(pyproject.read_text()).get("build-system", {}).get("requires", [])
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return []
    return [r for r in requires if isinstance(r, str) and not _TOOLING.match(r.strip())]


class ImageBuilder:
    """Builds and caches base, environment and instance images through the docker SDK."""

    def __init__(
        self,
        client: Any,
        cache_dir: Path,
        *,
        build_network: str = "host",
        ca_bundle: Path | None = None,
        base_source: str = "local",
        registry_image: str = "python:{python}-slim",
    ) -> None:
        self.client = client
        self.base_source = base_source
        self.registry_image = registry_image
        self.cache_dir = cache_dir
        self.logs_dir = cache_dir / "build-logs"
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        self.build_network = build_network
        self.ca_bundle = ca_bundle if ca_bundle is not None else host_ca_bundle()

    # -- helpers -------------------------------------------------------------------------------
    def exists(self, tag: str) -> bool:
        try:
            self.client.api.inspect_image(tag)
            return True
        except Exception:
            return False

    def image_id(self, tag: str) -> str:
        return self.client.api.inspect_image(tag)["Id"]

    @contextlib.contextmanager
    def _lock(self, key: str) -> Iterator[None]:
        # Workers (threads or processes) that need the same layer wait for one build, not race.
        locks = self.cache_dir / "locks"
        locks.mkdir(parents=True, exist_ok=True)
        with open(locks / f"{key}.lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _build(self, stage: str, tag: str, context: bytes, labels: dict[str, str]) -> None:
        log_path = self.logs_dir / f"{tag.replace(':', '_').replace('/', '_')}.log"
        bound = log.bind(stage=stage, tag=tag)
        bound.info("image.build.start", log=str(log_path))
        start = time.monotonic()
        args = {k: os.environ[k] for k in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy") if k in os.environ}
        error = None
        with open(log_path, "w") as out:
            try:
                for chunk in self.client.api.build(
                    fileobj=io.BytesIO(context),
                    custom_context=True,
                    tag=tag,
                    rm=True,
                    forcerm=True,
                    network_mode=self.build_network,
                    labels=labels,
                    buildargs=args,
                    decode=True,
                ):
                    if "stream" in chunk:
                        out.write(chunk["stream"])
                    if "error" in chunk:
                        error = chunk["error"]
                        out.write(f"\nERROR: {error}\n")
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                out.write(f"\nERROR: {error}\n")
        if error:
            tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-40:])
            bound.error("image.build.failed", error=error[:300])
            raise ImageBuildError(stage, tag, error.strip()[:500], tail, log_path)
        bound.info("image.build.done", seconds=round(time.monotonic() - start, 1))

    @staticmethod
    def _context(dockerfile: str, files: dict[str, bytes], trees: dict[str, Path] | None = None) -> bytes:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            for name, data in {"Dockerfile": dockerfile.encode(), **files}.items():
                info = tarfile.TarInfo(name)
                info.size, info.mtime, info.mode = len(data), int(time.time()), 0o644
                tar.addfile(info, io.BytesIO(data))
            for arcname, path in (trees or {}).items():
                tar.add(str(path), arcname=arcname, filter=lambda t: None if "/.git/" in f"/{t.name}/" and t.name.split("/")[1:2] == [".git"] else t)
        return buf.getvalue()

    def _ca_files(self) -> dict[str, bytes]:
        return {"orch-ca.crt": self.ca_bundle.read_bytes() if self.ca_bundle else b""}

    @staticmethod
    def _ca_args() -> str:
        # ARG, not ENV: visible to RUN steps at build time, absent from the image's config.
        ca = "/opt/orch/ca.crt"
        return (
            f"ARG PIP_CERT={ca}\nARG SSL_CERT_FILE={ca}\nARG REQUESTS_CA_BUNDLE={ca}\n"
            f"ARG GIT_SSL_CAINFO={ca}\nARG PIP_NO_CACHE_DIR=1\n"
        )

    # -- base ----------------------------------------------------------------------------------
    def ensure_base(self, release: str) -> str:
        """`orch-base:<release>`, built from a Debian root file system when missing."""
        tag = f"orch-base:{release}"
        if self.exists(tag):
            return tag
        with self._lock(f"base-{release}"):
            if self.exists(tag):
                return tag
            log_path = self.logs_dir / f"orch-base_{release}.log"
            log.info("image.base.build", release=release, log=str(log_path))
            with open(log_path, "w") as out:
                done = subprocess.run(["bash", str(BASE_SCRIPT), release], stdout=out, stderr=subprocess.STDOUT)
            if done.returncode != 0:
                tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-40:])
                raise ImageBuildError("base", tag, f"base-image.sh exited {done.returncode}", tail, log_path)
        return tag

    def ensure_base_for(self, spec: EnvSpec) -> str:
        """The base image serving `spec`'s Python: from a registry when configured and reachable
        (exact Python version), else built locally from Debian (nearest Python version)."""
        if self.base_source in ("registry", "auto"):
            try:
                return self._registry_base(spec.python)
            except Exception as exc:
                if self.base_source == "registry":
                    raise ImageBuildError("base", self.registry_image.format(python=spec.python), str(exc)[:300]) from exc
                log.warning("image.registry_unreachable", python=spec.python, error=str(exc)[:200], fallback=spec.release)
        return self.ensure_base(spec.release)

    def _registry_base(self, python: str) -> str:
        tag = f"orch-base:py{python}"
        if self.exists(tag):
            return tag
        upstream = self.registry_image.format(python=python)
        with self._lock(f"base-py{python}"):
            if self.exists(tag):
                return tag
            if not self.exists(upstream):
                repo, _, version = upstream.rpartition(":")
                self.client.images.pull(repo, tag=version)
            # The same contract as the local recipe: git, patch, procps, build tools, user orch.
            dockerfile = (
                f"FROM {upstream}\nCOPY orch-ca.crt /opt/orch/ca.crt\n"
                "RUN apt-get -o Acquire::https::CAInfo=/opt/orch/ca.crt update -qq "
                "&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "
                "git patch procps bc build-essential ca-certificates "
                "&& rm -rf /var/lib/apt/lists/* && groupadd -g 1000 orch && useradd -m -u 1000 -g 1000 -s /bin/bash orch "
                "&& ln -sf \"$(command -v python3)\" /usr/bin/python3 2>/dev/null || true\n"
                "ENV LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1\n"
            )
            self._build("base", tag, self._context(dockerfile, self._ca_files()), {"orch.kind": "base", "orch.python": python})
        return tag

    # -- environment ---------------------------------------------------------------------------
    def env_plan(self, spec: EnvSpec, repos: RepoSource, env_commit: str | None) -> tuple[str, str, dict[str, bytes], str]:
        """(tag, key, extra files, Dockerfile) for the environment layer, without building."""
        base = self.ensure_base_for(spec)
        requirements: list[str] = []
        packages: list[str] = []
        if spec.packages == "requirements.txt":
            if env_commit is None:
                raise ImageBuildError("env", spec.repo, "spec needs requirements.txt but no environment commit was given")
            for path in spec.requirements_paths:
                requirements = resolve_requirements(lambda p: repos.show(spec.repo, env_commit, p), path)
                if requirements:
                    break
            else:
                raise ImageBuildError("env", spec.repo, f"none of {spec.requirements_paths} exists at {env_commit[:12]}")
        elif spec.packages == "environment.yml":
            raise ImageBuildError("env", spec.repo, "conda environment.yml specs are not supported (no conda in air-gapped images)")
        elif spec.packages:
            packages = shlex.split(spec.packages) if isinstance(spec.packages, str) else list(spec.packages)
        key = _key(
            {
                "recipe": ENV_RECIPE_VERSION,
                "base": self.image_id(base),
                "bootstrap": spec.bootstrap,
                "requirements": requirements,
                "packages": packages,
                "pip_packages": spec.pip_packages,
                "env": spec.env,
            }
        )
        tag = f"orch-env:{_slug(spec.repo.replace('/', '__'))}-{_slug(spec.version)}-{key}"
        q = " ".join(shlex.quote(p) for p in spec.bootstrap)
        # -U: the venv's own pip/setuptools (Debian's, years old) already satisfy "<N" bounds.
        steps = [f"pip install -U {q}"] if spec.bootstrap else []
        if requirements:
            steps.append("pip install -r /opt/orch/requirements.txt")
        if packages:
            steps.append("pip install " + " ".join(shlex.quote(p) for p in packages))
        if spec.pip_packages:
            steps.append("pip install " + " ".join(shlex.quote(p) for p in spec.pip_packages))
        env_lines = "".join(f"ENV {k}={json.dumps(v)}\n" for k, v in spec.env.items())
        dockerfile = (
            f"FROM {base}\n"
            f"COPY orch-ca.crt /opt/orch/ca.crt\nCOPY requirements.txt /opt/orch/requirements.txt\n"
            f"RUN mkdir -p /opt/venv /testbed && chown {SANDBOX_UID}:{SANDBOX_UID} /opt/venv /testbed\n"
            f"USER {SANDBOX_UID}:{SANDBOX_UID}\n"
            "ENV VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
            f"{env_lines}{self._ca_args()}"
            "RUN python3 -m venv /opt/venv\n"
            + "".join(f"RUN set -ex; {s}\n" for s in steps)
        )
        files = {**self._ca_files(), "requirements.txt": ("\n".join(requirements) + "\n").encode()}
        return tag, key, files, dockerfile

    def ensure_env(self, spec: EnvSpec, repos: RepoSource, env_commit: str | None) -> str:
        tag, key, files, dockerfile = self.env_plan(spec, repos, env_commit)
        if self.exists(tag):
            return tag
        with self._lock(key):
            if not self.exists(tag):
                if spec.python_substituted and self.base_source == "local":
                    log.warning("image.python_substituted", repo=spec.repo, wanted=spec.python, release=spec.release)
                self._build("env", tag, self._context(dockerfile, files), {"orch.kind": "env", "orch.key": key, "orch.repo": spec.repo, "orch.version": spec.version})
        return tag

    # -- instance ------------------------------------------------------------------------------
    def ensure_instance(self, instance_id: str, repo: str, commit: str, spec: EnvSpec, repos: RepoSource, env_commit: str | None) -> str:
        """The instance image: environment + repository at `commit`, installed, owned by `orch`."""
        env_tag = self.ensure_env(spec, repos, env_commit)
        key = _key(
            {"recipe": INSTANCE_RECIPE_VERSION, "env": self.image_id(env_tag), "commit": commit, "install": spec.install, "pre_install": spec.pre_install}
        )
        tag = f"orch-inst:{_slug(instance_id)}-{key}"
        if self.exists(tag):
            return tag
        with self._lock(key):
            if self.exists(tag):
                return tag
            tag_name = repos.nearest_tag(repo, commit)
            # A synthetic one-commit history; the nearest upstream tag on it lets setuptools_scm
            # and friends compute a sensible version without the full history in the image.
            git_tag = f" && git tag {shlex.quote(tag_name)}" if tag_name and re.fullmatch(r"[\w.+-]+", tag_name) else ""
            pre = ""
            if spec.pre_install:
                pre = (
                    "USER root\n"
                    + "".join(f"RUN {c}\n" for c in spec.pre_install)
                    + f"RUN chown -R {SANDBOX_UID}:{SANDBOX_UID} /testbed /opt/venv\nUSER {SANDBOX_UID}:{SANDBOX_UID}\n"
                )
            dockerfile = (
                f"FROM {env_tag}\n"
                f"COPY --chown={SANDBOX_UID}:{SANDBOX_UID} testbed/ /testbed/\n"
                "WORKDIR /testbed\n"
                "RUN git init -q && git add -A && git -c user.name=orch -c user.email=orch@localhost "
                f"commit -q --no-verify --no-gpg-sign -m 'base {commit}'{git_tag}\n"
                f"{self._ca_args()}"
                # Build isolation would fetch the newest setuptools for every old setup.py, and
                # those fail on code from years ago; the venv's pinned tooling builds instead.
                "ARG PIP_NO_BUILD_ISOLATION=0\n"
                # Editable installs the old way (/testbed on sys.path via a .pth), as the SWE-bench
                # labels were produced: setuptools' newer import-hook editables hide modules from
                # tools that map files to modules through sys.path (pylint/astroid).
                "ARG SETUPTOOLS_ENABLE_FEATURES=legacy-editable\n"
                f"{pre}"
                f"RUN set -ex; {spec.install}\n"
                # Build artifacts the repo's .gitignore misses (egg-info, generated files) must not
                # show up in every candidate's diff.
                "RUN git ls-files --others --exclude-standard >> .git/info/exclude; git status --porcelain | head -5\n"
            )
            with tempfile.TemporaryDirectory(prefix="orch-ctx-") as tmp:
                src = Path(tmp) / "src"
                repos.checkout(repo, commit, src)
                build_reqs = build_requires(src)
                if build_reqs:
                    reqs = " ".join(shlex.quote(r) for r in build_reqs)
                    dockerfile = dockerfile.replace(
                        "RUN set -ex; ", f"RUN set -ex; pip install {reqs}\nRUN set -ex; ", 1
                    )
                context = self._context(dockerfile, self._ca_files(), {"testbed": src})
            self._build(
                "instance",
                tag,
                context,
                {"orch.kind": "instance", "orch.key": key, "orch.instance_id": instance_id, "orch.commit": commit},
            )
        return tag

    # -- listing -------------------------------------------------------------------------------
    def list_images(self) -> list[ImageInfo]:
        rows = []
        for img in self.client.api.images(filters={"reference": "orch-*"}):
            labels = img.get("Labels") or {}
            for tag in img.get("RepoTags") or []:
                rows.append(
                    ImageInfo(
                        tag=tag,
                        kind=labels.get("orch.kind", tag.split(":")[0].removeprefix("orch-")),
                        key=labels.get("orch.key", labels.get("orch.recipe", "")),
                        size_mb=round(img.get("Size", 0) / 1e6, 1),
                        created=time.strftime("%Y-%m-%d %H:%M", time.gmtime(img.get("Created", 0))),
                    )
                )
        order = {"base": 0, "env": 1, "instance": 2}
        return sorted(rows, key=lambda r: (order.get(r.kind, 3), r.tag))
