"""Progress of a long import as people read it: share done, rows per second, time left."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

PHASES = {"read": "读取文件", "check": "逐格检查", "stage": "写入暂存"}
MIN_ELAPSED_S = 0.5


@dataclass
class ProgressMeter:
    """Turns (phase, done, total) callbacks into a fraction and a line such as '逐格检查 200,000 / 1,000,000 行
    · 180,000 行/秒 · 剩余约 4 秒'; `clock` is injectable for tests."""

    clock: Callable[[], float] = time.monotonic
    started: float = field(default=0.0)
    phase: str = ""
    fraction: float = 0.0
    line: str = ""

    def __post_init__(self) -> None:
        self.started = self.clock()

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase != self.phase:
            self.phase, self.started = phase, self.clock()
        elapsed = self.clock() - self.started
        self.fraction = done / total if total else 0.0
        label = PHASES.get(phase, phase)
        # A rate over a few milliseconds says nothing (it read "61,614,272,829 行/秒"): shown after half a second.
        rate = done / elapsed if elapsed >= MIN_ELAPSED_S else None
        speed = f" · {rate:,.0f} 行/秒" if rate else ""
        if not total:  # a file read as it streams: its row count is known only at the end
            self.line = f"{label} {done:,} 行{speed}" if done else f"{label}…"
            return
        left = f" · 剩余约 {(total - done) / rate:,.0f} 秒" if rate else ""
        self.line = f"{label} {done:,} / {total:,} 行{speed}{left}"
