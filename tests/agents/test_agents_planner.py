"""Planner driven by scripted models against the real embedded graph of the pagekit example."""

from __future__ import annotations

import pytest
from script_helpers import action, call, observations

from agents import BudgetLimits, CostLimitExceeded, Planner, PlannerInput

ISSUE = "Last page is missing when the item count is not a multiple of per_page (page_count is 2 for 23 items)."
LOCALIZATION = {"files": [{"path": "pagekit/paginator.py", "score": 3.2, "evidence": ["page_count", "per_page"]}],
                "functions": [{"id": "pagekit/paginator.py:Paginator.page_count", "score": 2.5,
                               "evidence": ["matches page_count"]}]}

GOOD_SUBTASKS = [
    {"id": "fix", "role": "coder", "goal": "Round the page count up in Paginator.page_count",
     "targets": ["pagekit/paginator.py:Paginator.page_count"], "acceptance": "reproduction test passes",
     "depends_on": ["repro"]},
    {"id": "repro", "role": "tester", "goal": "Write a test: 23 items, per_page=10 gives 3 pages",
     "targets": ["Paginator.page_count"], "acceptance": "fails before the fix"},
    {"id": "review", "role": "reviewer", "goal": "Check callers such as page_links", "targets": ["page_links", "pagekit/links.py"],
     "acceptance": "approved", "depends_on": ["fix"]},
]


def submit(subtasks=GOOD_SUBTASKS) -> dict:
    return call("submit_plan", summary="page_count floors instead of rounding up", subtasks=subtasks)


def test_good_plan_is_accepted_in_dependency_order(scripted, pagekit_graph) -> None:
    events: list = []
    model = scripted([call("find_symbol", name="page_count"), submit()], events=events)
    out = Planner(model, pagekit_graph).run(PlannerInput(issue=ISSUE, localization=LOCALIZATION))
    assert out.status == "finished" and out.rejected == []
    assert [s.id for s in out.plan.subtasks] == ["repro", "fix", "review"]
    assert observations(events)[0][2].startswith("pagekit/paginator.py:Paginator.page_count [function]")
    # The repo map and the localization reached the prompt.
    start = next(e for e in events if e.kind == "agent_start")
    assert "pagekit/paginator.py:Paginator.page_count (score 2.50)" in start.detail["task"]
    assert "class Paginator" in start.detail["task"]


def test_plan_with_missing_symbols_is_sent_back_with_the_misses(scripted, pagekit_graph) -> None:
    bad = [dict(GOOD_SUBTASKS[0], targets=["pagekit/paginator.py:Paginator.num_pages", "Paginator.page_count"])]
    events: list = []
    model = scripted([submit(bad), submit()], events=events)
    out = Planner(model, pagekit_graph).run(PlannerInput(issue=ISSUE, localization=LOCALIZATION))
    assert out.status == "finished" and len(out.plan.subtasks) == 3
    [(tool, ok, text), _] = observations(events)
    assert tool == "submit_plan" and not ok
    assert "'pagekit/paginator.py:Paginator.num_pages' does not exist in the graph" in text
    assert "did you mean" in text
    assert "Paginator.page_count'" not in text.split("did you mean")[0]  # the real one is not a miss
    assert len(out.rejected) == 1


@pytest.mark.parametrize(("subtasks", "needle"), [
    ([dict(GOOD_SUBTASKS[1])], "no coder subtask"),
    ([dict(GOOD_SUBTASKS[0], depends_on=["review"]), dict(GOOD_SUBTASKS[2])], "cycle"),
    ([dict(GOOD_SUBTASKS[0], depends_on=["ghost"])], "unknown or itself: ghost"),
    ([GOOD_SUBTASKS[0], GOOD_SUBTASKS[0]], "duplicate subtask ids: fix"),
])
def test_structurally_bad_plans_are_rejected(scripted, pagekit_graph, subtasks, needle) -> None:
    events: list = []
    model = scripted([submit(subtasks), submit()], events=events)
    out = Planner(model, pagekit_graph).run(PlannerInput(issue=ISSUE))
    assert out.status == "finished"
    assert needle in observations(events)[0][2]


def test_adversarial_planner_stops_after_consecutive_failures(scripted, pagekit_graph) -> None:
    events: list = []
    model = scripted([
        call("delete_repository", confirm=True),                    # hallucinated tool
        call("submit_plan", summary="x", subtasks="all of them"),  # invalid arguments
        "I think the plan is obvious.",                             # no tool call at all
        submit(),                                                   # never reached
    ], events=events)
    out = Planner(model, pagekit_graph).run(PlannerInput(issue=ISSUE))
    assert out.status == "too_many_failures" and out.plan is None and out.steps == 3
    obs = observations(events)
    assert "unknown tool 'delete_repository'. Valid tools: search_code, find_symbol, file_skeleton, submit_plan" in obs[0][2]
    assert "invalid arguments for submit_plan: subtasks" in obs[1][2]
    assert "called no tool" in obs[2][2]
    assert model.chat.calls_made == 3


def test_planner_with_text_action_fallback(scripted, pagekit_graph) -> None:
    model = scripted([action("search_code", query="page count"),
                      action("submit_plan", summary="round up", subtasks=GOOD_SUBTASKS)], tool_calling=False)
    out = Planner(model, pagekit_graph).run(PlannerInput(issue=ISSUE))
    assert out.status == "finished" and out.plan.subtasks[0].id == "repro"


def test_budget_stops_the_planner_before_the_call(scripted, pagekit_graph) -> None:
    # $2/M output * 1000 max output = $0.002 worst case alone; a $0.001 cap refuses the first call.
    model = scripted([submit()], limits=BudgetLimits(cost_usd=0.001))
    with pytest.raises(CostLimitExceeded):
        Planner(model, pagekit_graph).run(PlannerInput(issue=ISSUE))
    assert model.chat.calls_made == 0 and model.budget.usage().cost_usd == 0


def test_a_recorded_planner_run_replays_and_divergence_fails_loudly(scripted, pagekit_graph, tmp_path) -> None:
    from agents import (
        BudgetSettings,
        CassetteDivergence,
        ModelSettings,
        ScriptedChatModel,
        build_model_client,
    )

    cassette = tmp_path / "planner.jsonl"
    rec = build_model_client(ModelSettings(name="openai:gpt-6-luna", cassette=str(cassette)), BudgetSettings(),
                             chat=ScriptedChatModel(responses=[call("find_symbol", name="page_count"), submit()]),
                             env={"OPENAI_API_KEY": "x"})
    first = Planner(rec, pagekit_graph).run(PlannerInput(issue=ISSUE, localization=LOCALIZATION))
    replay = build_model_client(ModelSettings(name=f"replay:{cassette}"), BudgetSettings(), env={})
    again = Planner(replay, pagekit_graph).run(PlannerInput(issue=ISSUE, localization=LOCALIZATION))
    assert again.plan == first.plan and again.input_tokens == first.input_tokens
    changed = build_model_client(ModelSettings(name=f"replay:{cassette}"), BudgetSettings(), env={})
    with pytest.raises(CassetteDivergence, match="request 1 diverges"):
        Planner(changed, pagekit_graph).run(PlannerInput(issue=ISSUE + " (edited)", localization=LOCALIZATION))
