"""Named assumption sets in TOML: `seed` holds every input; others inherit from it.

File layout::

    [template]
    name = "coreweave"
    description = "..."

    [inputs]
    gpu_price = { value = 28900, source = "why this number" }
    pue = 1.0                      # a bare number is accepted too
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError
from .registry import INPUTS, quoted, unknown
from .validate import check_value


def _template_dir() -> Path:
    """The bundled TOML files are package data of `model` (a wheel or Pyodide unpacks them beside it). Imported
    from a zip (the wheel itself on sys.path), they are not files: copied once into a temporary folder, read
    through importlib.resources, and removed at exit."""
    from importlib.resources import files

    res = files("model") / "bundled_templates"
    here = Path(str(res))
    if here.is_dir():
        return here
    import atexit
    import os
    import shutil
    import tempfile

    copy, owner = Path(tempfile.mkdtemp(prefix="aie-templates-")), os.getpid()
    # only by the process that made it: a forked child exiting must not take the parent's templates with it
    atexit.register(lambda: os.getpid() == owner and shutil.rmtree(copy, True))
    for entry in res.iterdir():
        if entry.name.endswith(".toml"):
            (copy / entry.name).write_bytes(entry.read_bytes())
    return copy


TEMPLATE_DIR = _template_dir()
BUNDLED_ORDER = ("seed", "coreweave", "h200", "h100-market")


@dataclass
class Template:
    name: str
    description: str
    values: dict[str, float]  # every input, inherited ones included
    sources: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    own: frozenset[str] = frozenset()  # inputs the file itself sets


def bundled() -> list[str]:
    """Names of the templates shipped in templates/, seed first."""
    found = sorted(p.stem for p in TEMPLATE_DIR.glob("*.toml"))
    return [n for n in BUNDLED_ORDER if n in found] + [n for n in found if n not in BUNDLED_ORDER]


def looks_like_path(text: str) -> bool:
    """A template given as text is a path when it ends in .toml or has a folder separator, else a bundled name."""
    return text.endswith(".toml") or "/" in text or "\\" in text


def resolve_path(template: str | Path) -> Path:
    """A bare name means a bundled template (a file of that name in the working directory never shadows it);
    a path must look like one: it contains a folder separator or ends in .toml."""
    if not isinstance(template, (str, Path)) or not str(template).strip():
        raise InputError(f"template must be a bundled name ({', '.join(bundled())}) or a path to a .toml file, "
                         f"got {template!r}")
    text = str(template)
    shown = quoted(text)
    if isinstance(template, Path) or looks_like_path(text):
        p = Path(template)
        try:
            if p.is_dir():
                raise InputError(f"template {shown} is a folder; give a .toml file")
            if p.exists() and not p.is_file():  # /dev/null, a pipe: no file to read a template from
                raise InputError(f"template {shown} is not a regular file; give a .toml file")
        except OSError as exc:  # a name too long for the file system, say
            raise InputError(f"template file {shown}: {exc.strerror or exc}") from None
        if not p.is_file():
            raise InputError(f"template file {shown} not found")
        return p
    if text not in bundled():  # a name, not a probe of the file system (a name too long for it raises)
        raise InputError(f"unknown template {shown}; bundled templates: {', '.join(bundled())}, "
                         "or give a path to a .toml file (./name.toml)")
    return TEMPLATE_DIR / f"{text}.toml"


_CACHE: dict[tuple[str, float], Template] = {}


def load(template: str | Path = "seed") -> Template:
    """Load a template by bundled name or path; partial templates inherit from seed."""
    path = resolve_path(template)
    key = (str(path), path.stat().st_mtime)
    if key not in _CACHE:
        _CACHE[key] = _load(path)
    t = _CACHE[key]
    return Template(t.name, t.description, dict(t.values), dict(t.sources), t.path, t.own)


def _load(path: Path) -> Template:
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))  # a UTF-8 BOM (Windows editors) is fine
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"template {where}: broken TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"template {where}: cannot read: {exc}") from None
    unknown_tables = set(data) - {"template", "inputs"}
    if unknown_tables:
        raise InputError(f"template {where}: unknown table(s) {sorted(unknown_tables)}; allowed: [template], [inputs]")
    meta = data.get("template", {})
    raw = data.get("inputs", {})
    if not isinstance(meta, dict) or not isinstance(raw, dict):
        raise InputError(f"template {where}: [template] and [inputs] must be tables")
    extra = sorted(set(meta) - {"name", "description"})
    if extra:  # base = "coreweave", say, would silently inherit from seed as every template does
        raise InputError(f"template {where}: unknown key(s) {extra} in [template]; allowed: name, description "
                         f"(every template inherits from seed; its [inputs] override seed's)")
    name = _text(meta.get("name", path.stem), "name", where, plain=True).strip()
    if not name:
        raise InputError(f"template {where}: name = {meta.get('name')!r}: empty; it heads the template's column in "
                         "the workbook, give it a name")
    is_seed = path.resolve() == (TEMPLATE_DIR / "seed.toml").resolve()
    if is_seed:
        values: dict[str, float] = {}
        sources: dict[str, str] = {}
    else:
        base = load("seed")
        values, sources = base.values, {k: f"seed: {v}" for k, v in base.sources.items()}
    own = set()
    for key, entry in raw.items():
        if key not in INPUTS:
            raise InputError(f"template {where}: {unknown(key)}")
        if isinstance(entry, dict):
            extra = set(entry) - {"value", "source"}
            if "value" not in entry or extra:
                raise InputError(f"template {where}: input {key!r} must be a number or "
                                 "{ value = <number>, source = \"...\" }")
            value, source = entry["value"], _text(entry.get("source", ""), f"source of {key}", where)
        else:
            value, source = entry, ""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(f"template {where}, key {key!r}: {key} = {value!r} is not a number; allowed domain of "
                             f"{key}: {INPUTS[key].domain.text()}")
        values[key] = check_value(key, value, where=f"template {where}, key {key!r}")
        sources[key] = source
        own.add(key)
    missing = [k for k in INPUTS if k not in values]
    if missing:
        raise InputError(f"template {where}: seed template lacks inputs {missing}")
    from .validate import check_cross

    check_cross(values, where=f"template {where}")
    return Template(name, _text(meta.get("description", ""), "description", where), values, sources, path,
                    frozenset(own))


# characters no .xlsx may hold as they are (XML 1.0); XlsxWriter escapes them in text cells (_x0007_), not in a
# formula's cached text
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: object, what: str, where: str, plain: bool = False) -> str:
    """A template's text (its name, description, a source): TOML text. `plain` (the name, which a column header's
    formula carries as its cached text, where the workbook cannot escape them): no control characters."""
    if not isinstance(value, str):
        raise InputError(f"template {where}: {what} = {value!r}: expected text in quotes")
    bad = _NOT_IN_XML.search(value) if plain else None
    if bad:
        raise InputError(f"template {where}: {what} holds the control character {bad.group()!r} at position "
                         f"{bad.start()}, which a workbook cannot store; remove it")
    return value
