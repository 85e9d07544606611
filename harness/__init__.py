"""Execution harness: sandboxes, environment images, patch application, test running, grading."""
