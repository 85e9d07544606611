"""Pure logic: which instances, in what order, which starts next, under which cap."""

from __future__ import annotations

import pytest

from orchestrator.batch import SelectionError, order_by_repo, parse_slice, select
from orchestrator.batch.scheduler import Scheduler, budget_exhausted, instance_cap
from orchestrator.batch.sizing import default_workers, parse_memory

ROWS = [
    {"instance_id": "django__django-2", "repo": "django/django", "created_at": "2021"},
    {"instance_id": "sympy__sympy-1", "repo": "sympy/sympy", "created_at": "2020"},
    {"instance_id": "django__django-1", "repo": "django/django", "created_at": "2019"},
    {"instance_id": "psf__requests-9", "repo": "psf/requests", "created_at": "2018"},
]


def test_select_by_slice_ids_and_regex() -> None:
    assert [r["instance_id"] for r in select(ROWS, slice_=parse_slice("1:3"))] == ["sympy__sympy-1", "django__django-1"]
    assert [r["instance_id"] for r in select(ROWS, pattern=r"^django")] == ["django__django-2", "django__django-1"]
    assert [r["instance_id"] for r in select(ROWS, instance_ids=["psf__requests-9"])] == ["psf__requests-9"]
    assert select(ROWS, slice_=parse_slice(":1"), pattern="sympy") == []


@pytest.mark.parametrize("bad", [{"instance_ids": ["nope"]}, {"pattern": "("}])
def test_bad_selection_is_named(bad: dict) -> None:
    with pytest.raises(SelectionError):
        select(ROWS, **bad)
    with pytest.raises(SelectionError):
        parse_slice("3")


def test_order_groups_by_repo_oldest_first() -> None:
    ordered = [r["instance_id"] for r in order_by_repo(ROWS)]
    assert ordered == ["django__django-1", "django__django-2", "sympy__sympy-1", "psf__requests-9"]


def test_second_instance_of_a_repo_waits_for_the_first_but_others_fill_in() -> None:
    s = Scheduler(pending=order_by_repo(ROWS))
    first = s.next_ready()
    assert first["instance_id"] == "django__django-1"
    # django-2 must wait: sympy starts instead.
    assert s.next_ready()["instance_id"] == "sympy__sympy-1"
    assert s.next_ready()["instance_id"] == "psf__requests-9"
    assert s.next_ready() is None
    s.finished("django/django")
    assert s.next_ready()["instance_id"] == "django__django-2"


def test_infra_failure_does_not_warm_a_repo_and_warmup_can_be_off() -> None:
    s = Scheduler(pending=[{"instance_id": "a", "repo": "r"}, {"instance_id": "b", "repo": "r"}, {"instance_id": "c", "repo": "r"}])
    s.next_ready()
    s.finished("r", warmed=False)
    assert s.next_ready()["instance_id"] == "b"
    assert s.next_ready() is None
    off = Scheduler(pending=[{"instance_id": "a", "repo": "r"}, {"instance_id": "b", "repo": "r"}], warmup=False)
    assert off.next_ready() and off.next_ready()


def test_caps() -> None:
    assert instance_cap(2.0, None, 5.0) == 2.0
    assert instance_cap(2.0, 10.0, 9.5) == 0.5
    assert instance_cap(None, 10.0, 12.0) == 0.0
    assert instance_cap(None, None, 1.0) is None
    assert budget_exhausted(1.0, 1.0) and not budget_exhausted(1.0, 0.99) and not budget_exhausted(None, 99)


def test_default_workers_is_bounded_by_cores_and_memory() -> None:
    gib = 1 << 30
    assert default_workers(1.0, "4g", cores=2, memory_bytes=24 * gib) == 2
    assert default_workers(1.0, "4g", cores=16, memory_bytes=14 * gib) == 3  # (14 - 2 reserve) / 4
    assert default_workers(2.0, "4g", cores=2, memory_bytes=1 * gib) == 1
    assert parse_memory("512m") == 512 << 20 and parse_memory("1.5g") == int(1.5 * gib)
