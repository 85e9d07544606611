from __future__ import annotations

import io
import time

from orchestrator.progress import Progress


def test_line_per_node_off_a_tty_with_subtask_and_spend() -> None:
    out = io.StringIO()
    with Progress(out, live=False) as p:
        p.node("plan")
        p.spend(0.0123, 2)
        p.node("code", "fix (coder)")
    lines = out.getvalue().splitlines()
    assert lines[0].endswith("plan · $0.0000 · 0 model calls")
    assert "code · fix (coder) · $0.0123 · 2 model calls" in lines[1]


def test_live_mode_redraws_one_line_and_clears_it() -> None:
    out = io.StringIO()
    with Progress(out, live=True) as p:
        p.node("validate", "fix (coder)")
        time.sleep(0.7)  # the redraw thread runs every 0.5 s
    text = out.getvalue()
    assert "\r\x1b[2K" in text and "validate · fix (coder)" in text and "\n" not in text
