"""Funnel arithmetic: the team median each member's funnel stages are compared with.

Stage 1 is compared by volume, later stages by conversion from the stage before (see
`activities.selectors.bottleneck`). Pure functions over stages already read.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence

from activities.selectors import StageCount


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
