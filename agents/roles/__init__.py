"""The four roles. Each is a class holding its collaborators with a `run(input) -> output` method."""
