from __future__ import annotations

from collections.abc import Iterator

import pytest
from loopback_openai import FakeOpenAI


@pytest.fixture
def openai_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server
