"""Errors raised by the analytic layer for parameters that break a stated constraint."""


class InvalidParameter(ValueError):
    """A parameter violates the constraint of the formula (the message names the constraint)."""


def require(cond: bool, message: str):
    """Raise InvalidParameter(message) unless ``cond`` (a concrete Python bool, not a tracer)."""
    if not cond:
        raise InvalidParameter(message)
