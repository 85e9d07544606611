"""Acc@k as the localization literature uses it: a hit when every gold item is in the top k."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

FILE_KS = (1, 3, 5, 10)
FUNC_KS = (5, 10)


def hit(ranked: Sequence[str], gold: Sequence[str], k: int) -> bool:
    top = set(ranked[:k])
    return bool(gold) and all(g in top for g in gold)


@dataclass
class Tally:
    files: dict[int, int] = field(default_factory=lambda: dict.fromkeys(FILE_KS, 0))
    funcs: dict[int, int] = field(default_factory=lambda: dict.fromkeys(FUNC_KS, 0))
    n_files: int = 0
    n_funcs: int = 0
    without_funcs: dict[str, int] = field(default_factory=dict)
    """Rows left out of the function figures, by why they have no function gold."""

    def add(
        self,
        files: Sequence[str],
        gold_files: Sequence[str],
        funcs: Sequence[str],
        gold_funcs: Sequence[str],
        why_no_funcs: str = "",
    ) -> None:
        self.n_files += 1
        for k in FILE_KS:
            self.files[k] += hit(files, gold_files, k)
        if not gold_funcs and why_no_funcs:
            self.without_funcs[why_no_funcs] = self.without_funcs.get(why_no_funcs, 0) + 1
        if gold_funcs:
            self.n_funcs += 1
            for k in FUNC_KS:
                self.funcs[k] += hit(funcs, gold_funcs, k)

    def row(self) -> dict[str, float]:
        def pct(x: int, n: int) -> float:
            return round(100.0 * x / n, 1) if n else 0.0

        out = {f"file@{k}": pct(v, self.n_files) for k, v in self.files.items()}
        out.update({f"func@{k}": pct(v, self.n_funcs) for k, v in self.funcs.items()})
        return out
