"""Agents: the planner, coder, tester and reviewer roles, and the model layer they call.

Model layer: `build_model_client(settings, budget)` turns `model.name` (`provider:model`) into a
`ModelClient`; every call goes through `ModelClient.complete`, which enforces the `RunBudget`
before calling (raising a `BudgetExceeded` subclass), retries transient errors, prices usage
from configs/models.yaml, emits `ModelCallEvent`s to hooks and can record a cassette.

Roles: each is a dataclass of its collaborators (model client, graph, sandbox) with a typed
`run(input) -> output` (the tester: `reproduce`, `regression_tests`, `validate`): `Planner`,
`Coder`, `Tester`, `Reviewer`. They share `run_agent`, the loop that turns tool errors, invalid
arguments and unknown tool names into observations and stops after consecutive failures.
`BudgetExceeded` always propagates to the caller, which ends the run with its partial record.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Importing the package must stay cheap: `orch --help` and the config loader import
# `agents.config`, and eager imports here would pull in LangChain (a second or more).
_EXPORTS: dict[str, str] = {
    "Action": "agents.actions",
    "FormatError": "agents.actions",
    "parse_reply": "agents.actions",
    "parse_text_action": "agents.actions",
    "BudgetLimits": "agents.budget",
    "CallEstimate": "agents.budget",
    "RunBudget": "agents.budget",
    "Usage": "agents.budget",
    "ModelClient": "agents.client",
    "ModelReply": "agents.client",
    "RetryPolicy": "agents.client",
    "BudgetSettings": "agents.config",
    "ModelSettings": "agents.config",
    "AgentsError": "agents.errors",
    "BudgetExceeded": "agents.errors",
    "CassetteDivergence": "agents.errors",
    "CostLimitExceeded": "agents.errors",
    "MissingApiKey": "agents.errors",
    "ModelCallError": "agents.errors",
    "ModelConfigError": "agents.errors",
    "ScriptExhausted": "agents.errors",
    "StepLimitExceeded": "agents.errors",
    "TokenLimitExceeded": "agents.errors",
    "WallTimeExceeded": "agents.errors",
    "AgentEvent": "agents.events",
    "Event": "agents.events",
    "EventHook": "agents.events",
    "ModelCallEvent": "agents.events",
    "budget_limits": "agents.factory",
    "build_model_client": "agents.factory",
    "load_presets": "agents.factory",
    "make_chat_model": "agents.factory",
    "LoopLimits": "agents.loop",
    "LoopResult": "agents.loop",
    "run_agent": "agents.loop",
    "ModelPreset": "agents.presets",
    "PresetTable": "agents.presets",
    "CODER_LIMITS": "agents.roles.coder",
    "Coder": "agents.roles.coder",
    "CoderInput": "agents.roles.coder",
    "CoderOutput": "agents.roles.coder",
    "PLANNER_LIMITS": "agents.roles.planner",
    "Plan": "agents.roles.planner",
    "Planner": "agents.roles.planner",
    "PlannerInput": "agents.roles.planner",
    "PlannerOutput": "agents.roles.planner",
    "Subtask": "agents.roles.planner",
    "validate_plan": "agents.roles.planner",
    "REVIEWER_LIMITS": "agents.roles.reviewer",
    "Review": "agents.roles.reviewer",
    "Reviewer": "agents.roles.reviewer",
    "ReviewInput": "agents.roles.reviewer",
    "TESTER_LIMITS": "agents.roles.tester",
    "ReproduceInput": "agents.roles.tester",
    "ReproduceOutput": "agents.roles.tester",
    "Reproduction": "agents.roles.tester",
    "Tester": "agents.roles.tester",
    "select_regression_tests": "agents.roles.tester",
    "CassetteRecorder": "agents.scripted",
    "ReplayChatModel": "agents.scripted",
    "ScriptedChatModel": "agents.scripted",
    "load_script": "agents.scripted",
    "TestReport": "agents.testrun",
    "TestResult": "agents.testrun",
    "parse_pytest": "agents.testrun",
    "pytest_command": "agents.testrun",
    "Finish": "agents.tools",
    "Observation": "agents.tools",
    "Tool": "agents.tools",
    "ToolBox": "agents.tools",
    "ToolError": "agents.tools",
}

__all__ = [
    "Action",
    "AgentEvent",
    "AgentsError",
    "BudgetExceeded",
    "BudgetLimits",
    "BudgetSettings",
    "CODER_LIMITS",
    "CallEstimate",
    "CassetteDivergence",
    "CassetteRecorder",
    "Coder",
    "CoderInput",
    "CoderOutput",
    "CostLimitExceeded",
    "Event",
    "EventHook",
    "Finish",
    "FormatError",
    "LoopLimits",
    "LoopResult",
    "MissingApiKey",
    "ModelCallError",
    "ModelCallEvent",
    "ModelClient",
    "ModelConfigError",
    "ModelPreset",
    "ModelReply",
    "ModelSettings",
    "Observation",
    "PLANNER_LIMITS",
    "Plan",
    "Planner",
    "PlannerInput",
    "PlannerOutput",
    "PresetTable",
    "REVIEWER_LIMITS",
    "ReplayChatModel",
    "ReproduceInput",
    "ReproduceOutput",
    "Reproduction",
    "RetryPolicy",
    "Review",
    "ReviewInput",
    "Reviewer",
    "RunBudget",
    "ScriptExhausted",
    "ScriptedChatModel",
    "StepLimitExceeded",
    "Subtask",
    "TESTER_LIMITS",
    "TestReport",
    "TestResult",
    "Tester",
    "TokenLimitExceeded",
    "Tool",
    "ToolBox",
    "ToolError",
    "Usage",
    "WallTimeExceeded",
    "budget_limits",
    "build_model_client",
    "load_presets",
    "load_script",
    "make_chat_model",
    "parse_pytest",
    "parse_reply",
    "parse_text_action",
    "pytest_command",
    "run_agent",
    "select_regression_tests",
    "validate_plan",
]

if TYPE_CHECKING:
    from agents.actions import Action, FormatError, parse_reply, parse_text_action
    from agents.budget import BudgetLimits, CallEstimate, RunBudget, Usage
    from agents.client import ModelClient, ModelReply, RetryPolicy
    from agents.config import BudgetSettings, ModelSettings
    from agents.errors import (
        AgentsError,
        BudgetExceeded,
        CassetteDivergence,
        CostLimitExceeded,
        MissingApiKey,
        ModelCallError,
        ModelConfigError,
        ScriptExhausted,
        StepLimitExceeded,
        TokenLimitExceeded,
        WallTimeExceeded,
    )
    from agents.events import AgentEvent, Event, EventHook, ModelCallEvent
    from agents.factory import budget_limits, build_model_client, load_presets, make_chat_model
    from agents.loop import LoopLimits, LoopResult, run_agent
    from agents.presets import ModelPreset, PresetTable
    from agents.roles.coder import CODER_LIMITS, Coder, CoderInput, CoderOutput
    from agents.roles.planner import (
        PLANNER_LIMITS,
        Plan,
        Planner,
        PlannerInput,
        PlannerOutput,
        Subtask,
        validate_plan,
    )
    from agents.roles.reviewer import REVIEWER_LIMITS, Review, Reviewer, ReviewInput
    from agents.roles.tester import (
        TESTER_LIMITS,
        ReproduceInput,
        ReproduceOutput,
        Reproduction,
        Tester,
        select_regression_tests,
    )
    from agents.scripted import CassetteRecorder, ReplayChatModel, ScriptedChatModel, load_script
    from agents.testrun import TestReport, TestResult, parse_pytest, pytest_command
    from agents.tools import Finish, Observation, Tool, ToolBox, ToolError


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'agents' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
