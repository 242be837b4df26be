"""The one way this project writes a file: a temporary file beside the target, fsync, rename.

Nothing already on disk is lost or half-written: an existing file is replaced only with
`overwrite` (and then atomically, keeping its mode; a symlink's target is updated); a new
name is claimed exclusively (`os.link`), so of two concurrent writers the second refuses.
The temporary file is `.<name>.tmp-<pid>`: removed on error and on SIGTERM, and a later
run removes those whose process is gone (after kill -9).
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from model.errors import InputError


class OutputError(InputError):
    """An output file that cannot or may not be written (exit status 2, like bad input)."""


def _tmp_name(target: Path, pid: int | None = None) -> Path:
    return target.with_name(f".{target.name}.tmp-{os.getpid() if pid is None else pid}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def clean_stale(target: Path) -> list[Path]:
    """Remove `.<name>.tmp-<pid>` files of `target` left by processes that no longer run."""
    removed = []
    for p in target.parent.glob(f".{target.name}.tmp-*"):
        pid = p.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            with contextlib.suppress(OSError):
                p.unlink()
                removed.append(p)
    return removed


def check_target(path: str | Path, what: str, overwrite: bool = False, suffixes: Iterable[str] | None = None) -> Path:
    """Refuse, before any work is done, an output path that cannot or may not be written."""
    p = Path(path)
    shown = f"{what} {str(path)!r}"
    allowed = [s.lower() for s in suffixes or []]
    if p.is_dir():
        raise OutputError(f"{shown} is a folder; give a file name" + (f" ending {', '.join(allowed)}" if allowed else ""))
    if allowed and p.suffix.lower() not in allowed:
        raise OutputError(f"{shown}: the file name must end {' or '.join(allowed)}")
    parent = p.parent
    if not parent.is_dir():
        raise OutputError(f"{shown}: folder {str(parent)!r} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{shown}: folder {str(parent)!r} is not writable")
    if (p.exists() or p.is_symlink()) and not overwrite:
        raise OutputError(f"{shown}: {p} exists; pass --overwrite to replace it")
    return p


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def numbered_backup(path: Path) -> Path:
    """Keep the current `path` as `path.bak`, else `.bak.1`, `.bak.2`, ...: never over an earlier backup.
    A hard link: the old contents stay under the backup name when the new file is renamed over `path`."""
    for i in range(10_000):
        bak = path.with_name(path.name + (".bak" if i == 0 else f".bak.{i}"))
        try:
            os.link(path, bak)
            return bak
        except FileExistsError:
            continue
        except OSError:  # no hard links on this file system: copy, still exclusively
            if bak.exists():
                continue
            import shutil

            with open(path, "rb") as src, open(bak, "xb") as dst:
                shutil.copyfileobj(src, dst)
            shutil.copystat(path, bak)
            return bak
    raise OutputError(f"{path}: 10,000 backups exist already; remove some")


def _describe(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "permission denied"
    return exc.strerror or type(exc).__name__


def write_atomic(path: str | Path, write: Callable[[Path], object], what: str, overwrite: bool = False,
                 suffixes: Iterable[str] | None = None, backup: bool = False) -> tuple[Path, Path | None]:
    """Call `write(tmp)` to fill a temporary file, then move it to `path`. Returns (the file written,
    the backup made or None). Every failure raises OutputError with one line; nothing is left behind."""
    shown = f"{what} {str(path)!r}"
    link = check_target(path, what, overwrite, suffixes)
    target = Path(os.path.realpath(link)) if link.is_symlink() else link  # write through a symlink
    existed = target.exists()
    mode = (target.stat().st_mode & 0o7777) if existed else (0o666 & ~_umask())
    clean_stale(target)
    tmp = _tmp_name(target)
    tmp.unlink(missing_ok=True)  # same pid: a run of ours that died before this one

    def on_term(signum, frame):
        raise SystemExit(128 + signum)  # unwinds through the cleanup below

    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, on_term) if main else None
    made = None
    try:
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.close(fd)
            write(tmp)  # the writer may also replace tmp by its own file
            os.chmod(tmp, mode)
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            if backup and existed:
                made = numbered_backup(target)
            if overwrite and existed:
                os.replace(tmp, target)
            else:
                _claim(tmp, target, shown)
        except OutputError:
            raise
        except OSError as exc:
            raise OutputError(f"{shown}: {_describe(exc)}; nothing written") from None
        _fsync_dir(target.parent)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        if main:
            signal.signal(signal.SIGTERM, previous)
    return target, made


def _claim(tmp: Path, target: Path, shown: str) -> None:
    """Move tmp to a name that must not exist: link fails if another process took it meanwhile."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise OutputError(f"{shown}: {target} was created meanwhile by another process; "
                          "pass --overwrite to replace it") from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
            raise
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # no hard links: claim, then rename
        os.close(fd)
        os.replace(tmp, target)
        return
    tmp.unlink()


def write_text(path: str | Path, text: str, what: str, overwrite: bool = False,
               suffixes: Iterable[str] | None = None) -> Path:
    """`text` as UTF-8 through `write_atomic`."""
    data = text.encode("utf-8")

    def fill(tmp: Path) -> None:
        fd = os.open(tmp, os.O_WRONLY | os.O_TRUNC)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)

    return write_atomic(path, fill, what, overwrite, suffixes)[0]
