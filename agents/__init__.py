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

__all__ = [
    "CODER_LIMITS", "PLANNER_LIMITS", "REVIEWER_LIMITS", "TESTER_LIMITS", "Coder", "CoderInput", "CoderOutput",
    "Finish", "LoopLimits", "LoopResult", "Observation", "Plan", "Planner", "PlannerInput", "PlannerOutput",
    "ReproduceInput", "ReproduceOutput", "Reproduction", "Review", "ReviewInput", "Reviewer", "Subtask",
    "TestReport", "TestResult", "Tester", "Tool", "ToolBox", "ToolError", "parse_pytest", "run_agent",
    "select_regression_tests", "validate_plan", "load_script", "pytest_command",
    "Action", "AgentEvent", "AgentsError", "BudgetExceeded", "BudgetLimits", "BudgetSettings", "CallEstimate",
    "CassetteDivergence", "CassetteRecorder", "CostLimitExceeded", "Event", "EventHook", "FormatError",
    "MissingApiKey", "ModelCallError", "ModelCallEvent", "ModelClient", "ModelConfigError", "ModelPreset",
    "ModelReply", "ModelSettings", "PresetTable", "ReplayChatModel", "RetryPolicy", "RunBudget",
    "ScriptExhausted", "ScriptedChatModel", "StepLimitExceeded", "TokenLimitExceeded", "Usage",
    "WallTimeExceeded", "budget_limits", "build_model_client", "load_presets", "make_chat_model",
    "parse_reply", "parse_text_action",
]
