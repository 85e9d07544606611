"""Token budget each role uses on the example repositories.

Runs the four roles (planner, tester, coder, reviewer) on `examples/python-pagekit` and
`examples/js-slugkit` with scripted sessions that resolve each issue, against the real embedded
graph and a real local sandbox. The scripted model reports, as its usage, the tokens of every
request it receives (messages + tool schemas) and of its reply, counted with the o200k_base
tokenizer when `--encoding-json` points at tiktoken's o200k_base.json (e.g. from the npm package
`tiktoken`, `package/encoders/o200k_base.json`); without it, tokens are chars/4 (marked `~`).

    .venv/bin/python benchmarks/agents/role_tokens.py [--encoding-json PATH]
"""

from __future__ import annotations

import argparse
import base64
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatResult

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import agents  # noqa: E402
from agents.scripted import ScriptedChatModel  # noqa: E402


def tokenizer(encoding_json: str | None):
    if not encoding_json:
        return (lambda text: max(1, len(text) // 4)), "chars/4 (approximate)"
    import tiktoken

    data = json.loads(Path(encoding_json).read_text())
    ranks: dict[bytes, int] = {}
    for line in filter(None, data["bpe_ranks"].split("\n")):
        parts = line.split(" ")
        for i, tok in enumerate(parts[2:]):
            ranks[base64.b64decode(tok)] = int(parts[1]) + i
    enc = tiktoken.Encoding(name="o200k_base", pat_str=data["pat_str"], mergeable_ranks=ranks,
                            special_tokens=data["special_tokens"])
    return (lambda text: len(enc.encode(text, disallowed_special=()))), "o200k_base (exact)"


class MeasuringModel(ScriptedChatModel):
    """Scripted replies whose usage is the measured size of the real request and reply."""

    count: Any = None

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        result = super()._generate(messages, stop, run_manager, **kwargs)
        # ~3 tokens of chat framing per message, as OpenAI documents for its chat format.
        prompt = sum(self.count(json.dumps(m.content) if not isinstance(m.content, str) else m.content) + 3
                     + (self.count(json.dumps(getattr(m, "tool_calls", []))) if getattr(m, "tool_calls", None) else 0)
                     for m in messages)
        if kwargs.get("tools"):
            prompt += self.count(json.dumps(kwargs["tools"]))
        msg: AIMessage = result.generations[0].message
        out = self.count(msg.content or "") + self.count(json.dumps(msg.tool_calls)) if msg.tool_calls else self.count(msg.content or "")
        msg.usage_metadata = {"input_tokens": prompt, "output_tokens": out, "total_tokens": prompt + out}
        return result


def call(tool: str, /, **args: Any) -> dict:
    return {"tool_calls": [{"name": tool, "args": args}]}


PY = sys.executable
PAGEKIT_TEST = '''from pagekit import Paginator


def test_partial_last_page_is_counted():
    p = Paginator(list(range(23)), per_page=10)
    assert p.page_count == 3
    assert list(p.page(3).items) == [20, 21, 22]
'''
SLUG_TEST = '''"use strict";
const test = require("node:test");
const assert = require("node:assert");
const { slugify } = require("../src");

test("runs of punctuation and spaces become one separator", () => {
  assert.strictEqual(slugify("Crème Brûlée: a recipe"), "creme-brulee-a-recipe");
  assert.strictEqual(slugify("Q&A -- part 2"), "q-a-part-2");
});
'''

SESSIONS: dict[str, dict[str, Any]] = {
    "python-pagekit": {
        "planner": [call("find_symbol", name="page_count"), call("submit_plan", summary="page_count floors; round up.", subtasks=[
            {"id": "reproduce", "role": "tester", "goal": "Reproduce: 23 items, per_page=10 gives 2 pages.",
             "targets": ["pagekit/paginator.py:Paginator.page_count"], "acceptance": "fails before the fix"},
            {"id": "fix", "role": "coder", "goal": "Round the page count up.", "depends_on": ["reproduce"],
             "targets": ["pagekit/paginator.py:Paginator.page_count"], "acceptance": "reproduction passes"}])],
        "tester": [call("file_skeleton", path="pagekit/paginator.py"),
                   call("create_file", path="tests/test_issue_repro.py", content=PAGEKIT_TEST),
                   call("submit_reproduction", test_path="tests/test_issue_repro.py",
                        command=f"{PY} -m pytest -rA -q -p no:cacheprovider tests/test_issue_repro.py")],
        "coder": [call("view_file", path="pagekit/paginator.py", start=30, end=45),
                  call("replace_in_file", path="pagekit/paginator.py", old="        return self.count // self.per_page",
                       new="        return -(-self.count // self.per_page)"),
                  call("run_command", command=f"{PY} -m pytest -rA -q -p no:cacheprovider tests"),
                  call("finish", summary="page_count rounds up with ceiling division.")],
        "reviewer": [call("callers", name="pagekit/paginator.py:Paginator.page_count"),
                     call("submit_review", verdict="approve", reasons=[])],
    },
    "js-slugkit": {
        "planner": [call("search_code", query="slugify separator"), call("submit_plan", summary="collapse runs.", subtasks=[
            {"id": "reproduce", "role": "tester", "goal": "Reproduce the doubled separators.",
             "targets": ["src/slugify.js:slugify"], "acceptance": "fails before the fix"},
            {"id": "fix", "role": "coder", "goal": "One separator per run of non-alphanumerics.",
             "depends_on": ["reproduce"], "targets": ["src/slugify.js:slugify"], "acceptance": "tests pass"}])],
        "tester": [call("view_file", path="test/slugify.test.js"),
                   call("create_file", path="test/issue-repro.test.js", content=SLUG_TEST),
                   call("submit_reproduction", test_path="test/issue-repro.test.js",
                        command="node --test test/issue-repro.test.js")],
        "coder": [call("view_file", path="src/slugify.js"),
                  call("replace_in_file", path="src/slugify.js", old="text.replace(/[^A-Za-z0-9]/g, opts.separator)",
                       new="text.replace(/[^A-Za-z0-9]+/g, opts.separator)"),
                  call("run_command", command="node --test test/"),
                  call("finish", summary="slugify collapses each run of non-alphanumerics into one separator.")],
        "reviewer": [call("view_file", path="src/slugify.js", start=10, end=20),
                     call("submit_review", verdict="approve", reasons=[])],
    },
}


def git_copy(example: Path, dest: Path) -> Path:
    shutil.copytree(example, dest, ignore=shutil.ignore_patterns(".orch", "__pycache__", "node_modules"))
    g = ["git", "-c", "user.name=b", "-c", "user.email=b@localhost", "-c", "commit.gpgsign=false", "-C", str(dest)]
    subprocess.run(["git", "init", "-q", str(dest)], check=True)
    subprocess.run([*g, "add", "-A"], check=True)
    subprocess.run([*g, "commit", "-qm", "base"], check=True)
    return dest


def measure(name: str, count, tmp: Path) -> list[dict[str, Any]]:
    from graph_index import GraphSettings, open_graph
    from harness.sandboxes import LocalSandbox

    repo = git_copy(ROOT / "examples" / name / "repo", tmp / name)
    issue = (repo / "ISSUE.md").read_text()
    graph = open_graph(GraphSettings(), repo, index_path=tmp / f"{name}.db")
    graph.index(repo)
    sandbox = LocalSandbox(repo, "HEAD", memory=None, command_timeout=120)
    budget = agents.RunBudget(agents.BudgetLimits())
    preset = agents.ModelPreset(provider="openai", model="measure", input_per_mtok=0.4, output_per_mtok=1.6)
    rows = []

    def client(role: str) -> agents.ModelClient:
        chat = MeasuringModel(responses=SESSIONS[name][role], count=count)
        return agents.ModelClient(chat=chat, preset=preset, budget=budget, max_output_tokens=4096)

    def row(role: str, out: Any, limits: agents.LoopLimits) -> None:
        rows.append({"example": name, "role": role, "status": getattr(out, "status", "?"), "calls": out.steps,
                     "peak_prompt": out.peak_prompt_tokens, "input": out.input_tokens, "output": out.output_tokens,
                     "context_budget": limits.context_tokens})

    try:
        p = agents.Planner(client("planner"), graph).run(agents.PlannerInput(issue=issue))
        row("planner", p, agents.PLANNER_LIMITS)
        tester = agents.Tester(client("tester"), graph, sandbox, python=PY)
        t = tester.reproduce(agents.ReproduceInput(issue=issue, goal=p.plan.subtasks[0].goal))
        row("tester", t, agents.TESTER_LIMITS)
        c = agents.Coder(client("coder"), graph, sandbox).run(agents.CoderInput(
            issue=issue, goal=p.plan.subtasks[1].goal, reproduction=f"{t.reproduction.test_path} (run: {t.reproduction.command})"))
        row("coder", c, agents.CODER_LIMITS)
        patch = "".join(sandbox.diff())
        evidence = tester.validate(t.reproduction, patch)
        r = agents.Reviewer(client("reviewer"), graph, sandbox).run(agents.ReviewInput(issue=issue, diff=patch, evidence=evidence))
        row("reviewer", r, agents.REVIEWER_LIMITS)
        rows[-1]["approved"] = r.approved
        rows[-1]["evidence"] = {e.name: e.passed for e in evidence}
    finally:
        sandbox.close()
        graph.close()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--encoding-json", help="tiktoken's o200k_base.json for exact counts")
    args = ap.parse_args()
    count, how = tokenizer(args.encoding_json)
    with tempfile.TemporaryDirectory() as d:
        rows = [r for name in SESSIONS for r in measure(name, count, Path(d))]
    print(f"tokens counted with {how}; prompt = system + task + history + tool schemas")
    print(f"{'example':15} {'role':9} {'status':9} {'calls':>5} {'peak prompt':>11} {'input sum':>9} {'output':>6} {'budget':>7}")
    for r in rows:
        print(f"{r['example']:15} {r['role']:9} {r['status']:9} {r['calls']:>5} {r['peak_prompt']:>11} {r['input']:>9} "
              f"{r['output']:>6} {r['context_budget']:>7}")
    last = [r for r in rows if r["role"] == "reviewer"]
    print("reviewer approved / evidence:", [(r["example"], r.get("approved"), r.get("evidence")) for r in last])


if __name__ == "__main__":
    main()
