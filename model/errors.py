"""The one error type for bad input."""


class InputError(ValueError):
    """Bad input: unknown name, non-number, value outside its domain, inconsistent set.

    The message names the input, the value and the allowed domain (and, for a
    template, the file and key).
    """
