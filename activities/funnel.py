"""Funnel arithmetic: each member's stages, the team median they are compared with, and the
bottleneck (the stage furthest below the median).

Stage 1 is compared by volume, later stages by conversion from the stage before. Pure
functions over stages already read (`activities.selectors` reads them); the one home of this
arithmetic for the funnel page, the team dashboard and evaluations alike.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# A stage more than this far below the team median is a bottleneck.
BOTTLENECK_THRESHOLD = 0.2


@dataclass(frozen=True)
class StageCount:
    type: str
    name: str
    count: int
    conversion: float | None  # from the stage before; None for the first stage


def stage_value(stages: Sequence[StageCount], index: int) -> float | None:
    """What a stage is compared by: its count for stage 1, its conversion after that."""
    stage = stages[index]
    value = stage.count if index == 0 else stage.conversion
    return None if value is None else float(value)


def team_medians(
    member_stages: Iterable[Sequence[StageCount]], stage_count: int
) -> list[float | None]:
    """Per stage, the median over the members who have a value there (None: nobody has)."""
    everyone = list(member_stages)
    medians: list[float | None] = []
    for index in range(stage_count):
        present = [v for stages in everyone if (v := stage_value(stages, index)) is not None]
        medians.append(statistics.median(present) if present else None)
    return medians


def bottleneck(
    member: Sequence[StageCount], medians: Sequence[float | None]
) -> tuple[int, float] | None:
    """(stage index, shortfall) of the stage furthest below the team median, if any > 20%.

    Stage 1 is compared by volume, later stages by conversion from the stage before.
    """
    worst: tuple[int, float] | None = None
    if len(member) != len(medians):
        raise ValueError("one median per stage")
    for index, median in enumerate(medians):
        value = stage_value(member, index)
        if value is None or not median:
            continue
        shortfall = (median - value) / median
        if shortfall > BOTTLENECK_THRESHOLD and (worst is None or shortfall > worst[1]):
            worst = (index, shortfall)
    return worst
