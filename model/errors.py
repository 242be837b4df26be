"""The one error type for bad input (and its one kind that a caller may want to tell apart)."""


class InputError(ValueError):
    """Bad input: unknown name, non-number, value outside its domain, inconsistent set.

    The message names the input, the value and the allowed domain (and, for a
    template, the file and key).
    """


def needs_extra(what: str, package: str, extra: str) -> str:
    """The one line a face says when `package`, which the project's `extra` installs, is missing."""
    return (f"{what} needs {package}, which the project's '{extra}' extra installs: "
            f"pip install 'ai-inference-economics[{extra}]' (in a clone: pip install -e '.[{extra}]')")


class NotFitting(InputError):
    """The model does not fit in GPU memory (effective_batch < 1) for some scenario: bad input too (MODEL.md), but a
    benchmark of random draws leaves such scenarios out rather than stopping."""
