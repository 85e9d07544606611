"""The agents package's roles behind the workflow's `Roles` port.

Until `agents` publishes its tool-using roles, the single-shot JSON roles stand in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orchestrator.workflow.json_roles import JsonRoles

if TYPE_CHECKING:
    from orchestrator.config import OrchSettings


def AgentRoles(settings: OrchSettings) -> Any:  # noqa: N802 - a factory standing in for a class
    return JsonRoles()
