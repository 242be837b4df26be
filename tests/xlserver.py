"""A real xlwings Server serving the UDFs, laid out as udfs/README.md's server steps say: used by
tests/test_udfs_http.py and bench/udf_evaluate.py (which adds this folder to its path).

``xlwings-server init`` lays out a project, ``from udfs import *`` goes into its
``custom_functions/__init__.py`` and the licence key into its ``.env`` (steps 1, 3 and 4; step 2, the
install, is this environment). The app the ``xlwings-server`` command serves
(``xlwings_server.main:main_app``, with ``XLWINGS_PROJECT_DIR`` set as that command sets it) then runs
under uvicorn on a free localhost port over plain HTTP: the command itself insists on port 8000 and a
reloader, and only Excel needs HTTPS.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def set_up_project(project: Path, env: dict[str, str], quiet: bool = False) -> None:
    """udfs/README.md, xlwings Server steps 1, 3 and 4. `quiet`: no log line per call (for timing)."""
    subprocess.run([sys.executable, "-m", "xlwings_server.cli", "init", str(project)], env=env, check=True,
                   capture_output=True, timeout=60)
    init = project / "custom_functions" / "__init__.py"
    init.write_text(init.read_text() + "from udfs import *\n")
    dotenv = project / ".env"
    text = dotenv.read_text()
    if 'XLWINGS_LICENSE_KEY="your_license_key"' not in text or 'XLWINGS_ENVIRONMENT="dev"' not in text:
        raise RuntimeError(f"xlwings-server init wrote an .env the README's step 4 does not describe:\n{text}")
    text = text.replace('XLWINGS_LICENSE_KEY="your_license_key"', 'XLWINGS_LICENSE_KEY="noncommercial"')
    dotenv.write_text(text + ('XLWINGS_LOG_LEVEL="WARNING"\n' if quiet else ""))


@contextmanager
def serve(project: Path, timeout: float = 25.0, quiet: bool = False) -> Iterator[str]:
    """The server for a project set up at `project` (a path that does not exist yet); yields its base URL."""
    # the project's own .env configures the server: drop any XLWINGS_* of this session
    env = {k: v for k, v in os.environ.items() if not k.startswith("XLWINGS_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    set_up_project(project, env, quiet)
    env["XLWINGS_PROJECT_DIR"] = str(project)  # what the `xlwings-server` command sets before uvicorn.run
    extra = ["--no-access-log", "--log-level", "warning"] if quiet else []
    log_path = project / "server.log"
    # the listening socket is made here and handed to uvicorn (--fd): no other process can take its port between
    # choosing it and binding it, and what answers on it is this server
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        # uvicorn takes a socket by fd as a Unix one, so asyncio leaves Nagle on for its connections (40 ms a
        # request); Linux hands the listener's TCP_NODELAY to every connection it accepts
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.listen()
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        with open(log_path, "w") as log:
            proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "xlwings_server.main:main_app",
                                     "--fd", str(sock.fileno()), *extra], pass_fds=(sock.fileno(),),
                                    cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_ready(proc, base, log_path, timeout)
        yield base
    finally:
        _stop(proc)


def _wait_ready(proc: subprocess.Popen, base: str, log_path: Path, timeout: float) -> None:
    """Until the server answers at `base` (RuntimeError, with its log, if it exits or takes over `timeout` s)."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"xlwings Server exited ({proc.returncode}):\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{base}/xlwings/custom-functions-meta", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"xlwings Server not ready after {timeout} s:\n{log_path.read_text()}")
        time.sleep(0.2)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
