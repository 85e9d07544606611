"""Live progress on a terminal: current node and subtask, elapsed time, spend.

On a TTY one status line is redrawn in place twice a second; elsewhere (CI, pipes) a line is
printed per node so logs stay readable. Progress never affects the run: write errors are ignored.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


class Progress:
    def __init__(self, stream: TextIO | None = None, *, enabled: bool = True, live: bool | None = None) -> None:
        self._stream = stream or sys.stderr
        self._enabled = enabled
        self._live = self._stream.isatty() if live is None else live
        self._started = time.monotonic()
        self._node = "starting"
        self._subtask = ""
        self._cost = 0.0
        self._steps = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Progress:
        if self._enabled and self._live:
            self._thread = threading.Thread(target=self._loop, name="orch-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._write("\r\x1b[2K")

    def line(self) -> str:
        with self._lock:
            elapsed = time.monotonic() - self._started
            sub = f" · {self._subtask}" if self._subtask else ""
            return (
                f"[{int(elapsed // 60):02d}:{elapsed % 60:04.1f}] {self._node}{sub}"
                f" · ${self._cost:.4f} · {self._steps} model calls"
            )

    def node(self, name: str, subtask: str = "") -> None:
        with self._lock:
            self._node, self._subtask = name, subtask
        if self._enabled and not self._live:
            self._write(self.line() + "\n")

    def spend(self, cost_usd: float, steps: int) -> None:
        with self._lock:
            self._cost, self._steps = cost_usd, steps

    def note(self, text: str) -> None:
        """A line that stays (e.g. a routing decision), printed above the live line."""
        if self._enabled:
            self._write(("\r\x1b[2K" if self._live else "") + text + "\n")

    def _loop(self) -> None:
        while not self._stop.wait(0.5):
            self._write("\r\x1b[2K" + self.line())

    def _write(self, text: str) -> None:
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):
            pass
