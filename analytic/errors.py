"""Errors raised by the analytic layer for parameters that break a stated constraint."""


class InvalidParameter(ValueError):
    """A parameter violates the constraint of the formula (the message names the constraint)."""


def require(cond: bool, message: str):
    """Raise InvalidParameter(message) unless ``cond`` (a concrete Python bool, not a tracer)."""
    if not cond:
        raise InvalidParameter(message)


def ndim(x) -> int:
    """Number of axes of an array, 0 for anything without ``ndim`` (so a shape check fails cleanly)."""
    return getattr(x, "ndim", 0)  # equivalent-mutant: NumberReplacer (callers compare with 2: a default of 0 or +-1 fails either way)
