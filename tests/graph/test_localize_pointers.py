"""Where a trace or the prose points without a repository frame: a line the reporter names in
prose, standard-library and Windows frames, and the repository's calls into the library function
a traceback ends in. Literal data only."""

from __future__ import annotations

from graph_index.localize.access import ViewAccess
from graph_index.localize.issue import extract, is_stdlib_path, trace_exit
from graph_index.localize.literals import Hit
from graph_index.localize.locate import localize_with
from graph_index.localize.scoring import Weights, call_site_evidence
from graph_index.localize.view import RepoView, Symbol


def _frames(text: str) -> list[tuple[str, int, str | None]]:
    return [(f.path, f.line, f.function) for f in extract(text).frames]


def test_a_line_pointed_at_in_prose_is_a_frame() -> None:
    assert _frames("The problem is in `jsonrep.py` at line 227. I plan a PR.") == [("jsonrep.py", 227, None)]
    assert _frames("see line 12 of shop/cart.py") == [("shop/cart.py", 12, None)]
    assert _frames("shop/cart.py, line 7 is wrong") == [("shop/cart.py", 7, None)]
    permalink = "https://github.com/o/r/blob/0a1b2c/shop/cart.py#L40-L45"
    assert _frames(permalink) == [("shop/cart.py", 40, None)]
    # A Python frame is read once, as a frame with its function.
    assert _frames('  File "shop/cart.py", line 3, in total\n    x = 1\n') == [("shop/cart.py", 3, "total")]
    # A line number without a file, or a file without a line, points nowhere.
    assert _frames("fails at line 12 since 2.0; cart.py is fine") == []


def test_localize_ranks_the_function_around_a_pointed_line() -> None:
    view = RepoView(
        files={"shop/jsonrep.py": "json", "shop/cart.py": "cart"},
        symbols={
            s.id: s
            for s in (
                Symbol("shop/jsonrep.py:Conv.get_item", "shop/jsonrep.py", "Conv.get_item", "get_item", "method", 200, 230),
                Symbol("shop/jsonrep.py:Conv.get_value", "shop/jsonrep.py", "Conv.get_value", "get_value", "method", 232, 260),
                Symbol("shop/cart.py:total", "shop/cart.py", "total", "total", "function", 1, 9),
            )
        },
    )
    text = "Sequences do not round-trip. The problem is in `jsonrep.py` at line 227."
    loc = localize_with(ViewAccess(view), text, top_k=3)
    assert loc.functions[0].id == "shop/jsonrep.py:Conv.get_item"
    assert "traceback frame shop/jsonrep.py:227" in loc.functions[0].evidence


def test_standard_library_paths() -> None:
    for path in (
        "C:/Python38/lib/pathlib.py",
        "C:/Users/a/AppData/Local/Programs/Python/Python39/Lib/shutil.py",
        "/usr/lib/python3.8/pathlib.py",
        "/home/a/.pyenv/versions/2.7.6/lib/python2.7/httplib.py",
        "C:/Users/a/anaconda3/Lib/pathlib.py",
        "C:/Users/a/miniconda3/envs/dev/lib/logging/__init__.py",
    ):
        assert is_stdlib_path(path), path
    for path in (
        "/usr/local/lib/python3.8/site-packages/_pytest/pathlib.py",
        "/usr/lib/python3/dist-packages/pylint/lint/run.py",
        "c:/Users/a/anaconda3/lib/site-packages/seaborn/axisgrid.py",
        "src/_pytest/pathlib.py",
        "pathlib.py",
    ):
        assert not is_stdlib_path(path), path


PYTEST_WINDOWS = """\
Creating the directory fails:
```
self = WindowsPath('C:/Users/john/AppData/Local/Temp/pytest-of-contoso/john')
mode = 511, parents = False, exist_ok = True

    def mkdir(self, mode=0o777, parents=False, exist_ok=False):
        \"\"\"
        Create a new directory at this given path.
        \"\"\"
        try:
>           self._accessor.mkdir(self, mode)
E           FileNotFoundError: [WinError 3] The system cannot find the path specified

C:\\Python38\\lib\\pathlib.py:1266: FileNotFoundError
```
"""


def test_trace_exit_reads_pytests_echoed_def_and_windows_paths() -> None:
    end = trace_exit(PYTEST_WINDOWS)
    assert end is not None and (end.path, end.line, end.function) == ("C:/Python38/lib/pathlib.py", 1266, "mkdir")
    python = 'Traceback:\n  File "app.py", line 3, in <module>\n  File "/usr/lib/python3.8/json/__init__.py", line 9, in loads\nValueError\n'
    end = trace_exit(python)
    assert end is not None and end.function == "loads"
    assert trace_exit("no trace here") is None
    # pytest's last frame without an echoed def names no function.
    assert trace_exit("E   assert 1 == 2\n\ntest_x.py:4: AssertionError\n") is None


def test_call_site_evidence_takes_calls_not_definitions() -> None:
    syms = {
        "pkg/tmp.py": [
            Symbol("pkg/tmp.py:Factory.getbasetemp", "pkg/tmp.py", "Factory.getbasetemp", "getbasetemp", "method", 10, 30),
            Symbol("pkg/tmp.py:Factory.mkdir", "pkg/tmp.py", "Factory.mkdir", "mkdir", "method", 32, 40),
            Symbol("pkg/tmp.py:Factory.mkdirs", "pkg/tmp.py", "Factory.mkdirs", "mkdirs", "method", 42, 50),
        ],
        "pkg/other.py": [Symbol("pkg/other.py:make", "pkg/other.py", "make", "make", "function", 1, 9)],
    }
    hits = [
        Hit("pkg/tmp.py", 20, "            rootdir.mkdir(exist_ok=True)"),
        Hit("pkg/tmp.py", 32, "    def mkdir(self, name):"),  # a definition, no call
        Hit("pkg/tmp.py", 44, "        self.makedirs_mkdir(x)"),  # another name ending in mkdir
        Hit("pkg/other.py", 3, "    os.mkdir (path)"),
    ]
    ev = call_site_evidence("mkdir", hits, syms)
    assert {e.target for e in ev} == {"pkg/tmp.py:Factory.getbasetemp", "pkg/other.py:make"}
    assert all(e.kind == "exit" and abs(e.weight - 2**-0.5) < 1e-9 for e in ev)
    assert call_site_evidence("mkdir", [], syms) == []


def _tmp_view() -> RepoView:
    source = (
        "class Factory:\n"  # 1
        "    def mktemp(self, basename):\n"  # 2
        "        return make_numbered(self.getbasetemp(), basename)\n"  # 3
        "\n"
        "    def getbasetemp(self):\n"  # 5
        "        rootdir = temproot.joinpath(user)\n"  # 6
        "        rootdir.mkdir(exist_ok=True)\n"  # 7
        "        return rootdir\n"  # 8
        "\n"
        "    def cleanup(self):\n"  # 10
        "        shutil.rmtree(self.root)\n"  # 11
    )
    syms = [
        Symbol("pkg/tmp.py:Factory", "pkg/tmp.py", "Factory", "Factory", "class", 1, 11),
        Symbol("pkg/tmp.py:Factory.mktemp", "pkg/tmp.py", "Factory.mktemp", "mktemp", "method", 2, 3, "def mktemp(self, basename)"),
        Symbol("pkg/tmp.py:Factory.getbasetemp", "pkg/tmp.py", "Factory.getbasetemp", "getbasetemp", "method", 5, 8, "def getbasetemp(self)"),
        Symbol("pkg/tmp.py:Factory.cleanup", "pkg/tmp.py", "Factory.cleanup", "cleanup", "method", 10, 11, "def cleanup(self)"),
        Symbol("pkg/pathlib.py:make_numbered", "pkg/pathlib.py", "make_numbered", "make_numbered", "function", 1, 5, "def make_numbered(root, prefix)"),
    ]
    return RepoView(
        files={"pkg/tmp.py": source, "pkg/pathlib.py": "def make_numbered(root, prefix):\n    return root\n"},
        symbols={s.id: s for s in syms},
    )


def test_localize_ranks_the_repository_call_into_the_library_a_trace_ends_in() -> None:
    text = "`Factory.mktemp('foobar')` fails for a domain user name (`tmp` directory):\n" + PYTEST_WINDOWS
    loc = localize_with(ViewAccess(_tmp_view()), text, top_k=5)
    ids = [f.id for f in loc.functions]
    # The stdlib frame is not pkg/pathlib.py's; the repository's `mkdir` call is in getbasetemp.
    assert not any("pathlib.py:1266" in e for f in loc.files for e in f.evidence)
    assert ids.index("pkg/tmp.py:Factory.getbasetemp") < ids.index("pkg/tmp.py:Factory.cleanup")
    top = next(f for f in loc.functions if f.id == "pkg/tmp.py:Factory.getbasetemp")
    assert any("calls `mkdir`, where the traceback leaves the repository" in e for e in top.evidence)
    off = localize_with(ViewAccess(_tmp_view()), text, top_k=5, weights=Weights(func_exit=0.0))
    off_top = next(f for f in off.functions if f.id == "pkg/tmp.py:Factory.getbasetemp")
    assert off_top.score < top.score


def test_vscode_notebook_frames_link_their_path() -> None:
    text = (
        "[c:\\Users\\K\\anaconda3\\lib\\site-packages\\seaborn\\axisgrid.py]"
        "(file:///C:/Users/K/anaconda3/lib/site-packages/seaborn/axisgrid.py) in map_diag(self, func, **kwargs)\n"
        "   1489 \n"
        "-> 1490             vector = self.data[var]\n"
    )
    assert _frames(text) == [("c:/Users/K/anaconda3/lib/site-packages/seaborn/axisgrid.py", 1490, "map_diag")]
    # The plain old IPython style still reads as before.
    assert _frames("~/pkg/mod.py in f(x)\n----> 12     y = g(x)\n") == [("~/pkg/mod.py", 12, "f")]
