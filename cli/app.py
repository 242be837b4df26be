"""The parser, the dispatch and the one rule for failures: exit status 2 and one line on stderr."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from model.errors import InputError, needs_extra


class _Once(argparse.Action):
    """A single-value option (argparse's store): given twice, refused, as a repeated --set is (argparse kept the
    last one silently: `--csv a.csv ... --csv b.csv` wrote b.csv alone)."""

    def __call__(self, parser, namespace, values, option_string=None):
        given = namespace.__dict__.setdefault("_given_once", {})
        if option_string is not None and self.dest in given:
            from model.validate import short

            parser.error(f"{option_string} given twice ({short(given[self.dest])} and {short(values)}); give it once")
        given[self.dest] = values
        setattr(namespace, self.dest, values)


class Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line (its default prints the usage block first) and whose single-value
    options may be given once."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.register("action", None, _Once)
        self.register("action", "store", _Once)

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


def one_line(text: str) -> str:
    return " ".join(str(text).split())


# optional packages -> the extra of pyproject.toml that installs them
EXTRAS = {"pandas": "sweeps", "scipy": "sweeps", "matplotlib": "sweeps", "tqdm": "sweeps", "xlsxwriter": "workbook",
          "openpyxl": "workbook", "formulas": "workbook", "defusedxml": "workbook", "xlwings": "udfs"}


def _not_installed(package: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(package) is None
    except (ImportError, ValueError):  # a None in sys.modules: blocked, as good as absent
        return True


def run(handler: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Call a command; bad input of any kind -> one line and status 2; a closed pipe -> quiet exit; an optional
    package not installed -> one line naming the extra that installs it, status 2; Ctrl-C -> status 130."""
    try:
        _no_empty_values(args)
        code = handler(args)
        sys.stdout.flush()  # a closed pipe shows up here, not at interpreter exit
        return code
    except ModuleNotFoundError as exc:
        top = (exc.name or "").split(".")[0]
        if top not in EXTRAS or not _not_installed(top):  # pandas there but pandas.foo missing: a bug, raised
            raise
        print(f"error: {needs_extra('this command', top, EXTRAS[top])}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: files being written are already removed (xl.atomic); no traceback
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `... | head`: the reader has gone. Point stdout at /dev/null so the final flush is quiet too.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except (InputError, FileExistsError) as exc:
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return 2
    except OSError as exc:  # a template or spec that is a folder, unreadable, ...
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {one_line(where + (exc.strerror or str(exc)))}", file=sys.stderr)
        return 2


POSITIONAL = {"workbook", "spec"}  # arguments without an option's dashes
# values an empty text would silently drop (--template, --scenarios, --set, --output say so in their own words)
NOT_EMPTY = POSITIONAL | {"out", "csv", "xlsx", "png", "column", "from_", "output"}  # output: export-inputs -o (a list elsewhere)


def _no_empty_values(args: argparse.Namespace) -> None:
    """An option given an empty value (an unset shell variable: --csv "$OUT") is refused: taken as absent, --csv
    printed to the screen, --out wrote the default file and --column exported the selected column."""
    for key, value in vars(args).items():
        if key in NOT_EMPTY and isinstance(value, str) and not value.strip():
            shown = key.rstrip("_") if key in POSITIONAL else "--" + key.rstrip("_").replace("_", "-")
            raise InputError(f"{shown}: an empty value; give " + ("a path" if key in POSITIONAL else
                                                                   "one (or leave the option out)"))


def invoked_as(default: str) -> str:
    """The command's name in usage lines: `aie` / `aie-build` where the console script ran, else `default`."""
    name = os.path.basename(sys.argv[0] if sys.argv else "")
    return name if name in ("aie", "aie-build") else default


def parser() -> Parser:
    from . import commands, sweeps

    p = Parser(prog=invoked_as("python -m model"), description="The economics of AI inference, in Python.")
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=Parser)
    commands.register(sub)
    sweeps.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    from . import commands, sweeps

    args = parser().parse_args(argv)
    return run({**commands.HANDLERS, **sweeps.HANDLERS}[args.cmd], args)
