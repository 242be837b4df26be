"""What this machine lets an evaluation use: its cores and its memory, as a container sees them (the host's
counts overstate both inside one)."""

from __future__ import annotations

import os
from pathlib import Path


def cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count, where Linux says it)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # no affinity (macOS, Windows)
        return os.cpu_count() or 1


CGROUP_ROOT, PROC_CGROUP = "/sys/fs/cgroup", "/proc/self/cgroup"


def _cgroup_limits() -> list[int]:
    """The memory limits of this process's cgroup and of each cgroup above it (v2: memory.max; v1: the memory
    controller's memory.limit_in_bytes): the smallest is where the OOM killer acts."""
    try:
        with open(PROC_CGROUP, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    root, found = Path(CGROUP_ROOT), []
    for line in lines:
        _, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if controllers == "":  # v2 (the unified tree; in hybrid mode it is mounted at unified/)
            base = root if (root / "cgroup.controllers").exists() else root / "unified"
            where = (base, "memory.max")
        elif "memory" in controllers.split(","):
            where = (root / "memory", "memory.limit_in_bytes")
        else:
            continue
        parts = [q for q in path.split("/") if q]
        for depth in range(len(parts), -1, -1):  # the process's own cgroup, then its ancestors
            try:
                text = (where[0].joinpath(*parts[:depth]) / where[1]).read_text(encoding="ascii").strip()
            except (OSError, UnicodeDecodeError):
                continue
            if text.isdigit() and int(text) > 0:  # "max": no limit at this level
                found.append(int(text))
    return found


def memory_limit() -> int | None:
    """Bytes this process may use: the machine's memory, or a container's smaller limit (a container sees the
    host's memory in sysconf; its cgroup's limit is where the OOM killer acts); None if unknown."""
    try:
        have = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows)
        have = -1
    limits = ([have] if have > 0 else []) + _cgroup_limits()  # sysconf's -1: not known here
    return min(limits) if limits else None
