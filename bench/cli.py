"""What the benches' command lines share: option values parsed by argparse itself.

    parser.add_argument("--batches", type=option_type(positive_ints), default="1,4,8")

Standard library only: ``bench/gpu_check.py`` uses it on GPU machines that have little else.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def positive_ints(text: str) -> list[int]:
    """``"1,4,8"`` -> ``[1, 4, 8]`` (batch sizes, concurrency levels).

    >>> positive_ints("1, 4,8")
    [1, 4, 8]
    >>> positive_ints("0,2")
    Traceback (most recent call last):
    ...
    ValueError: expected positive integers separated by commas, got '0,2'
    """
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        values = []
    if not values or min(values) < 1:
        raise ValueError(f"expected positive integers separated by commas, got {text!r}")
    return values


def option_type(parse: Callable[[str], T]) -> Callable[[str], T]:
    """``parse`` as an argparse ``type``: its ValueError's message becomes the usage error
    (``argument --batches: expected positive integers ...``), exit status 2."""

    def parsed(text: str) -> T:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parsed.__name__ = parse.__name__
    return parsed
