"""What this machine lets an evaluation use: its cores and its memory, as a container sees them (the host's
counts overstate both inside one)."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from pathlib import Path

CGROUP_ROOT, PROC_CGROUP = "/sys/fs/cgroup", "/proc/self/cgroup"


def _cgroups(controller: str) -> Iterator[tuple[Path, bool]]:
    """This process's cgroup folders for `controller`, its own first, then each one above it, as (folder, v2):
    a limit set anywhere on the way up applies (v2: the unified tree; v1: the controller's own tree)."""
    try:
        with open(PROC_CGROUP, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return
    root = Path(CGROUP_ROOT)
    for line in lines:
        _, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if controllers == "":  # v2 (in hybrid mode the unified tree is mounted at unified/)
            base, v2 = (root if (root / "cgroup.controllers").exists() else root / "unified"), True
        elif controller in controllers.split(","):  # v1: mounted as "cpu,cpuacct", usually linked as "cpu" too
            base, v2 = (root / controllers if (root / controllers).is_dir() else root / controller), False
        else:
            continue
        parts = [q for q in path.split("/") if q]
        for depth in range(len(parts), -1, -1):
            yield base.joinpath(*parts[:depth]), v2


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""


def _cpu_quotas() -> list[float]:
    """The CPU quotas (in cores: quota / period) on this process's cgroups (v2: cpu.max "quota period" or
    "max period"; v1: cpu.cfs_quota_us, -1 for none, over cpu.cfs_period_us), as docker --cpus sets them."""
    found = []
    for folder, v2 in _cgroups("cpu"):
        if v2:
            quota, period = (_read(folder / "cpu.max").split() + ["", ""])[:2]
        else:
            quota, period = _read(folder / "cpu.cfs_quota_us"), _read(folder / "cpu.cfs_period_us")
        if quota.isdigit() and period.isdigit() and int(quota) > 0 and int(period) > 0:
            found.append(int(quota) / int(period))
    return found


def cores() -> int:
    """The cores this process may use: its CPU set (a container's, not the host's count, where Linux says it),
    and no more than its cgroup's CPU quota, rounded up (a quota of 1.5 cores keeps two threads busy)."""
    try:
        have = len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # no affinity (macOS, Windows)
        have = os.cpu_count() or 1
    return max(1, min([have] + [math.ceil(q) for q in _cpu_quotas()]))


def _memory_limits() -> list[int]:
    """The memory limits of this process's cgroups (v2: memory.max, "max" for none; v1: the memory controller's
    memory.limit_in_bytes): the smallest is where the OOM killer acts."""
    found = []
    for folder, v2 in _cgroups("memory"):
        text = _read(folder / ("memory.max" if v2 else "memory.limit_in_bytes"))
        if text.isdigit() and int(text) > 0:
            found.append(int(text))
    return found


def memory_limit() -> int | None:
    """Bytes this process may use: the machine's memory, or a container's smaller limit (a container sees the
    host's memory in sysconf; its cgroup's limit is where the OOM killer acts); None if unknown."""
    try:
        have = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows)
        have = -1
    limits = ([have] if have > 0 else []) + _memory_limits()  # sysconf's -1: not known here
    return min(limits) if limits else None
