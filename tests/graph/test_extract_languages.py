"""JavaScript, TypeScript, Java and Go: definitions, imports and calls, exactly."""

from __future__ import annotations

import pytest

from .helpers import code_edges, dump

J = "src/main/java/com/acme/"
CASES = {
    "javascript": (
        {
            ".": "repository", "src/": "directory", "src/shape.js": "file", "src/util.js": "file",
            "src.shape": "module", "src.util": "module",
            "src/shape.js:Shape": "class", "src/shape.js:Shape.area": "function",
            "src/shape.js:Square": "class", "src/shape.js:Square.area": "function",
            "src/shape.js:Square.constructor": "function", "src/shape.js:Square.scale": "function",
            "src/shape.js:makeSquare": "function", "src/util.js:add": "function", "src/util.js:twice": "function",
        },
        {
            ("src.shape", "CALLS", "?require"),
            ("src.shape", "IMPORTS", "src.util"),
            ("src.shape", "IMPORTS", "src/util.js:add"),
            ("src/shape.js:Square", "INHERITS", "src/shape.js:Shape"),
            ("src/shape.js:Square.area", "CALLS", "src/shape.js:Square.scale"),
            ("src/shape.js:Square.area", "CALLS", "src/util.js:add"),
            ("src/shape.js:Square.area", "CALLS", "src/util.js:twice"),
            ("src/shape.js:makeSquare", "CALLS", "src/shape.js:Square"),
            ("src/util.js:twice", "CALLS", "src/util.js:add"),
        },
    ),
    "typescript": (
        {
            ".": "repository", "src/": "directory", "src/app.ts": "file", "src/model.ts": "file",
            "src.app": "module", "src.model": "module", "src/app.ts:main": "function",
            "src/model.ts:Named": "class", "src/model.ts:User": "class",
            "src/model.ts:User.constructor": "function", "src/model.ts:User.name": "function",
            "src/model.ts:format": "function",
        },
        {
            ("src.app", "IMPORTS", "src.model"),
            ("src.app", "IMPORTS", "src/model.ts:User"),
            ("src.app", "IMPORTS", "src/model.ts:format"),
            ("src/app.ts:main", "CALLS", "?name"),
            ("src/app.ts:main", "CALLS", "src/model.ts:User"),
            ("src/app.ts:main", "CALLS", "src/model.ts:format"),
            ("src/model.ts:User", "INHERITS", "src/model.ts:Named"),
            ("src/model.ts:User.name", "CALLS", "src/model.ts:format"),
            ("src/model.ts:format", "CALLS", "?trim"),
        },
    ),
    "java": (
        {
            ".": "repository", "src/": "directory", "src/main/": "directory", "src/main/java/": "directory",
            "src/main/java/com/": "directory", J: "directory",
            J + "Base.java": "file", J + "Greeter.java": "file", J + "Util.java": "file",
            "src.main.java.com.acme.Base": "module", "src.main.java.com.acme.Greeter": "module",
            "src.main.java.com.acme.Util": "module",
            J + "Base.java:Base": "class", J + "Greeter.java:Greeter": "class",
            J + "Greeter.java:Greeter.Greeter": "function", J + "Greeter.java:Greeter.greet": "function",
            J + "Greeter.java:Greeter.prefix": "function", J + "Greeter.java:Greeter.run": "function",
            J + "Util.java:Util": "class", J + "Util.java:Util.shout": "function",
        },
        {
            ("src.main.java.com.acme.Util", "IMPORTS", "?java.util.Locale"),
            (J + "Greeter.java:Greeter", "INHERITS", "?Runnable"),
            (J + "Greeter.java:Greeter", "INHERITS", J + "Base.java:Base"),
            (J + "Greeter.java:Greeter.greet", "CALLS", J + "Greeter.java:Greeter.prefix"),
            (J + "Greeter.java:Greeter.greet", "CALLS", J + "Util.java:Util.shout"),
            (J + "Greeter.java:Greeter.run", "CALLS", "?println"),
            (J + "Greeter.java:Greeter.run", "CALLS", J + "Greeter.java:Greeter.greet"),
            (J + "Util.java:Util.shout", "CALLS", "?toUpperCase"),
        },
    ),
    "go": (
        {
            ".": "repository", "helper": "module", "helper.go": "file", "helper.go:helper": "function",
            "main": "module", "main.go": "file", "main.go:Server": "class", "main.go:Server.Start": "function",
            "main.go:main": "function", "util.check": "module", "util.check_test": "module", "util/": "directory",
            "util/check.go": "file", "util/check.go:Check": "function", "util/check_test.go": "file",
            "util/check_test.go:TestCheck": "test",
        },
        {
            ("main", "IMPORTS", "?fmt"),
            ("main", "IMPORTS", "util.check"),
            ("main.go:Server.Start", "CALLS", "?Println"),
            ("main.go:Server.Start", "CALLS", "util/check.go:Check"),
            ("main.go:main", "CALLS", "?Start"),
            ("main.go:main", "CALLS", "helper.go:helper"),
            ("util.check_test", "IMPORTS", "?testing"),
            ("util/check_test.go:TestCheck", "CALLS", "?Fatal"),
            ("util/check_test.go:TestCheck", "CALLS", "util/check.go:Check"),
            ("util/check_test.go:TestCheck", "TESTS", "util/check.go:Check"),
        },
    ),
}


@pytest.mark.parametrize("language", sorted(CASES))
def test_language_nodes_and_edges_exactly(language, fixture_repo, graph_factory) -> None:
    repo = fixture_repo(language)
    g = graph_factory(repo)
    stats = g.index(repo)
    assert stats.files_with_errors == 0
    nodes, edges = dump(g)
    expected_nodes, expected_edges = CASES[language]
    assert nodes == expected_nodes
    assert code_edges(edges) == expected_edges


def test_signatures_and_doc_comments(fixture_repo, graph_factory) -> None:
    repo = fixture_repo("typescript")
    g = graph_factory(repo)
    g.index(repo)
    user = g.node("src/model.ts:User")
    assert user is not None and user.docstring == "A user." and user.signature == "class User implements Named"
    fmt = g.node("src/model.ts:format")
    assert fmt is not None and fmt.signature == "function format(s: string): string"
    assert fmt.language == "typescript" and (fmt.start_line, fmt.end_line) == (14, 16)
