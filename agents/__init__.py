"""Agents: the planner, coder, tester and reviewer roles, and the model layer they call."""
