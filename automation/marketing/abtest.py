"""Is one variant's rate really better? A two-sided two-proportion z-test."""

import math
from dataclasses import dataclass

SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class Comparison:
    z: float
    p_value: float

    @property
    def significant(self) -> bool:
        return self.p_value < SIGNIFICANCE


def two_proportion_test(
    successes_a: int, n_a: int, successes_b: int, n_b: int
) -> Comparison | None:
    """None when a rate is undefined or the pooled rate leaves no variance (0 % or 100 %)."""
    if n_a <= 0 or n_b <= 0:
        return None
    pooled = (successes_a + successes_b) / (n_a + n_b)
    variance = pooled * (1 - pooled) * (1 / n_a + 1 / n_b)
    if variance <= 0:
        return None
    z = (successes_a / n_a - successes_b / n_b) / math.sqrt(variance)
    return Comparison(z=z, p_value=math.erfc(abs(z) / math.sqrt(2)))


def winner(rows: list[dict], metric: str, *, base: str = "sent") -> dict | None:
    """The row with the best `metric`/`base` rate if it beats the runner-up significantly."""
    rated = [r for r in rows if r[base]]
    if len(rated) < 2:
        return None
    ranked = sorted(rated, key=lambda r: r[metric] / r[base], reverse=True)
    best, second = ranked[0], ranked[1]
    test = two_proportion_test(best[metric], best[base], second[metric], second[base])
    if test is None or not test.significant or test.z <= 0:
        return None
    return {"label": best["label"], "variant": best.get("variant"), "p_value": test.p_value}
