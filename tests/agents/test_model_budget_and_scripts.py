"""Budgets, scripted models and cassettes: no model service involved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage

from agents import (
    BudgetLimits,
    CassetteDivergence,
    CostLimitExceeded,
    ModelPreset,
    ModelSettings,
    RunBudget,
    ScriptedChatModel,
    ScriptExhausted,
    StepLimitExceeded,
    TokenLimitExceeded,
    Usage,
    WallTimeExceeded,
    build_model_client,
)
from agents.budget import CallEstimate
from agents.client import ModelClient

PRICED = ModelPreset(provider="openai", model="priced", input_per_mtok=2.0, output_per_mtok=8.0)


def scripted_client(responses, limits: BudgetLimits, max_output_tokens: int = 1000) -> ModelClient:
    return ModelClient(chat=ScriptedChatModel(responses=responses), preset=PRICED,
                       budget=RunBudget(limits), max_output_tokens=max_output_tokens)


def test_run_stops_before_the_call_that_would_exceed_the_cost_cap_with_exact_spend() -> None:
    # A 30_000-character prompt is estimated at 10_004 tokens (chars/3 + 4 per message); the
    # provider reports 8_000 in / 500 out per call: 8000*2/1e6 + 500*8/1e6 = $0.020 exactly.
    prompt = [HumanMessage("x" * 30_000)]
    step = {"content": "ok", "usage": {"input_tokens": 8_000, "output_tokens": 500}}
    client = scripted_client([step] * 10, BudgetLimits(cost_usd=0.09), max_output_tokens=1000)
    events = []
    client.hooks.append(events.append)
    worst = client.estimate(prompt)
    assert (worst.input_tokens, worst.max_output_tokens) == (10_004, 1000)
    assert worst.cost_usd == pytest.approx(0.028008)
    made = 0
    with pytest.raises(CostLimitExceeded) as info:
        while True:
            client.complete(prompt)
            made += 1
    # After 4 calls ($0.080) a 5th could reach 0.080 + 0.028008 > 0.09, so it is refused;
    # it would really have cost $0.020 and ended at $0.100, over the cap.
    assert made == 4
    spent = info.value.usage
    assert (spent.steps, spent.input_tokens, spent.output_tokens) == (4, 32_000, 2_000)
    assert spent.cost_usd == pytest.approx(0.08, abs=1e-15)
    assert info.value.needed == pytest.approx(0.108008) and info.value.cap == 0.09
    assert client.chat.calls_made == 4  # the refused call never reached the model
    assert [e.spend.cost_usd for e in events] == pytest.approx([0.02, 0.04, 0.06, 0.08], abs=1e-15)
    assert client.budget.usage().cost_usd == spent.cost_usd


def test_worst_case_includes_max_output_tokens() -> None:
    # 100k output tokens at $8/M = $0.80 worst case: refused under a $0.50 cap before any call.
    client = scripted_client(["never sent"], BudgetLimits(cost_usd=0.5), max_output_tokens=100_000)
    with pytest.raises(CostLimitExceeded):
        client.complete([HumanMessage("hi")])
    assert client.chat.calls_made == 0 and client.budget.usage().steps == 0


def test_step_token_and_wall_limits() -> None:
    c = scripted_client(["a", "b"], BudgetLimits(steps=1))
    c.complete([HumanMessage("x")])
    with pytest.raises(StepLimitExceeded):
        c.complete([HumanMessage("x")])
    c = scripted_client(["a"], BudgetLimits(tokens=500), max_output_tokens=1000)
    with pytest.raises(TokenLimitExceeded):
        c.complete([HumanMessage("x")])
    now = [100.0]
    b = RunBudget(BudgetLimits(wall_seconds=10), clock=lambda: now[0])
    b.check(CallEstimate(input_tokens=1, max_output_tokens=1, cost_usd=0))
    now[0] = 111.0
    with pytest.raises(WallTimeExceeded):
        b.check(CallEstimate(input_tokens=1, max_output_tokens=1, cost_usd=0))


def test_resumed_budget_continues_from_recorded_spend() -> None:
    earlier = Usage(input_tokens=5, output_tokens=5, cost_usd=0.99, steps=3, elapsed_seconds=50)
    b = RunBudget(BudgetLimits(cost_usd=1.0, wall_seconds=60), earlier, clock=lambda: 1000.0)
    assert b.usage().elapsed_seconds == pytest.approx(50)
    with pytest.raises(CostLimitExceeded):
        b.check(CallEstimate(input_tokens=10, max_output_tokens=10, cost_usd=0.02))


def test_scripted_model_plays_text_and_tool_calls_then_runs_out(tmp_path: Path) -> None:
    script = tmp_path / "s.yaml"
    script.write_text(
        "- content: thinking\n"
        "  tool_calls: [{name: view_file, args: {path: a.py}}]\n"
        "- done\n")
    client = build_model_client(ModelSettings(name=f"scripted:{script}"), BudgetLimits_settings(), env={})
    first = client.complete([HumanMessage("go")], tools=[{"type": "function", "function": {"name": "view_file"}}])
    assert first.message.tool_calls[0]["args"] == {"path": "a.py"}
    assert first.usage_estimated and first.cost_usd == 0.0
    assert client.complete([HumanMessage("go")]).message.content == "done"
    with pytest.raises(ScriptExhausted, match="2 responses"):
        client.complete([HumanMessage("go")])


def BudgetLimits_settings():  # noqa: N802 (reads as a constructor)
    from agents import BudgetSettings

    return BudgetSettings()


def test_record_then_replay_and_divergence_fails_loudly(tmp_path: Path) -> None:
    cassette = tmp_path / "run.cassette.jsonl"
    script = [{"content": "", "tool_calls": [{"name": "t", "args": {"x": 1}, "id": "c1"}],
               "usage": {"input_tokens": 3, "output_tokens": 4}}, "final"]
    rec = build_model_client(ModelSettings(name="openai:gpt-6-luna", cassette=str(cassette)), BudgetLimits_settings(),
                             chat=ScriptedChatModel(responses=script), env={"OPENAI_API_KEY": "x"})
    m1 = [HumanMessage("start")]
    r1 = rec.complete(m1, tools=[{"type": "function", "function": {"name": "t"}}])
    m2 = [*m1, r1.message, HumanMessage("observation")]
    rec.complete(m2)
    rows = [json.loads(line) for line in cassette.read_text().splitlines()]
    assert len(rows) == 2 and rows[0]["response"]["usage"] == {"input_tokens": 3, "output_tokens": 4}

    rep = build_model_client(ModelSettings(name=f"replay:{cassette}"), BudgetLimits_settings(), env={})
    again = rep.complete(m1, tools=[{"type": "function", "function": {"name": "t"}}])
    assert again.message.tool_calls[0]["args"] == {"x": 1} and again.input_tokens == 3
    assert rep.complete([*m1, again.message, HumanMessage("observation")]).message.content == "final"

    rep2 = build_model_client(ModelSettings(name=f"replay:{cassette}"), BudgetLimits_settings(), env={})
    with pytest.raises(CassetteDivergence, match="message 0 .* differs"):
        rep2.complete([HumanMessage("a different start")], tools=[{"type": "function", "function": {"name": "t"}}])
    rep3 = build_model_client(ModelSettings(name=f"replay:{cassette}"), BudgetLimits_settings(), env={})
    with pytest.raises(CassetteDivergence, match="tools"):
        rep3.complete(m1)
