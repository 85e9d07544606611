"""Resolution reuse (graph_index.dependencies), without services: a file whose recorded reads
answer the same in another view has exactly the edges a full resolution of that view gives it,
and files that read nothing that changed are the ones reused."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph_index.dependencies import ReadCheck, TrackingResolver, answers_digest
from graph_index.indexer import list_view, parse_files
from graph_index.neo4j_backend.indexing import view_graph
from graph_index.neo4j_backend.layout import ViewLayout
from graph_index.neo4j_backend.units import file_edges
from graph_index.viewgraph import ViewGraph

LANGUAGES = ["python", "javascript", "typescript", "java", "go"]


def facts_of(repo: Path) -> tuple[dict[str, str], dict[str, tuple]]:
    listing, read = list_view(repo, None)
    facts = {}
    for row in parse_files(read(listing.files), len(listing.files), workers=1):
        if row is not None:
            facts[row[0]] = row[1:]
    return {f.path: f.sha for f in listing.files if f.sha in facts}, facts


def resolve_all(shas: dict[str, str], facts: dict[str, tuple]) -> tuple[ViewLayout, ViewGraph, dict, dict]:
    """Every file's edges and reads, resolved with tracking in one view."""
    layout = ViewLayout("r", "repo", shas)
    vg = view_graph("repo", layout, facts, tracking=True)
    assert isinstance(vg.resolver, TrackingResolver)
    edges, reads = {}, {}
    for path in sorted(shas):
        got, read = vg.resolver.record(lambda path=path: file_edges(vg, path))
        edges[path] = sorted(got)
        reads[path] = (list(read), answers_digest(list(read.values())))
    return layout, vg, edges, reads


def plain_edges(shas: dict[str, str], facts: dict[str, tuple]) -> dict[str, list]:
    vg = view_graph("repo", ViewLayout("r", "repo", shas), facts)
    return {path: sorted(file_edges(vg, path)) for path in sorted(shas)}


def reused_in(shas: dict[str, str], facts: dict[str, tuple], before: tuple) -> set[str]:
    """Files of the new view an earlier resolution (`before`) may stand for."""
    old_layout, _, _, old_reads = before
    layout = ViewLayout("r", "repo", shas)
    check = ReadCheck(view_graph("repo", layout, facts, tracking=True).resolver)  # type: ignore[arg-type]
    return {
        path for path in shas
        if old_layout.unit_of_path.get(path) == layout.unit_of_path[path]
        and check.digest(old_reads[path][0]) == old_reads[path][1]
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_tracking_changes_no_edge(language, fixture_repo) -> None:
    shas, facts = facts_of(fixture_repo(language))
    _, _, tracked, reads = resolve_all(shas, facts)
    assert tracked == plain_edges(shas, facts)
    assert any(keys for keys, _ in reads.values())


@pytest.mark.parametrize("language", LANGUAGES)
def test_reused_files_have_the_edges_a_full_resolution_gives(language, fixture_repo) -> None:
    """Take each file away in turn: every file whose reads still answer the same keeps exactly its
    edges; the others are the files that depended on the one taken away."""
    shas, facts = facts_of(fixture_repo(language))
    before = resolve_all(shas, facts)
    old_edges = before[2]
    some_reused = some_not = False
    for gone in sorted(shas):
        rest = {p: s for p, s in shas.items() if p != gone}
        full = plain_edges(rest, facts)
        reused = reused_in(rest, facts, before)
        for path in reused:
            assert full[path] == old_edges[path], (gone, path)
        some_reused |= bool(reused)
        some_not |= len(reused) < len(rest)
    assert some_reused and some_not


def test_a_renamed_definition_invalidates_exactly_its_readers(fixture_repo) -> None:
    repo = fixture_repo("python")
    shas, facts = facts_of(repo)
    before = resolve_all(shas, facts)
    util = repo / "pkg" / "util.py"
    util.write_text(util.read_text().replace("def helper(", "def assist("))
    new_shas, new_facts = facts_of(repo)
    facts.update(new_facts)
    reused = reused_in(new_shas, facts, before)
    assert set(new_shas) - reused == {"pkg/util.py", "pkg/child.py"}
    full = plain_edges(new_shas, facts)
    assert all(full[p] == before[2][p] for p in reused)


@pytest.mark.parametrize("added", [
    {"pkg.py": "class Base:\n    pass\n"},  # takes the module name `pkg` from pkg/__init__.py
    {"os/__init__.py": "", "os/path.py": "def join(a, b):\n    return a\n"},  # `import os.path` now resolves
])
def test_an_added_module_invalidates_the_files_importing_its_name(added, fixture_repo) -> None:
    """Only what an import finds changes (pkg/child.py's `from pkg import Base` or its IMPORTS
    edge to `os.path`): the files whose imports find something else are resolved again."""
    repo = fixture_repo("python")
    shas, facts = facts_of(repo)
    before = resolve_all(shas, facts)
    for path, text in added.items():
        (repo / path).parent.mkdir(exist_ok=True)
        (repo / path).write_text(text)
    new_shas, new_facts = facts_of(repo)
    facts.update(new_facts)
    reused = reused_in(new_shas, facts, before)
    full = plain_edges(new_shas, facts)
    assert "pkg/child.py" not in reused and "pkg/base.py" in reused
    assert full["pkg/child.py"] != before[2]["pkg/child.py"]
    assert all(full[p] == before[2][p] for p in reused)
