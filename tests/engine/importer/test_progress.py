"""The progress line people see during a big import."""

from __future__ import annotations

from engine.importer.progress import ProgressMeter


def test_rate_and_time_left_from_a_fixed_clock() -> None:
    now = [100.0]
    meter = ProgressMeter(clock=lambda: now[0])
    meter("read", 0, 0)
    assert meter.line == "读取文件…" and meter.fraction == 0.0
    now[0] += 0.5
    meter("read", 100_000, 0)  # streamed: the total is not known yet
    assert meter.line == "读取文件 100,000 行 · 200,000 行/秒" and meter.fraction == 0.0
    meter("check", 0, 1_000_000)
    now[0] += 2.0
    meter("check", 400_000, 1_000_000)
    assert meter.fraction == 0.4
    assert meter.line == "逐格检查 400,000 / 1,000,000 行 · 200,000 行/秒 · 剩余约 3 秒"


def test_no_rate_from_a_few_milliseconds() -> None:
    now = [100.0]
    meter = ProgressMeter(clock=lambda: now[0])
    meter("stage", 0, 24)
    now[0] += 0.000_001
    meter("stage", 24, 24)  # a small file staged at once: no absurd "24,000,000 行/秒"
    assert meter.line == "写入暂存 24 / 24 行" and meter.fraction == 1.0
