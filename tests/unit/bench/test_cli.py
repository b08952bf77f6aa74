import argparse

import pytest

from bench.cli import option_type, positive_ints


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--batches", type=option_type(positive_ints), default="1,4")
    return parser


def test_the_default_and_a_given_value_are_parsed():
    assert parser().parse_args([]).batches == [1, 4]
    assert parser().parse_args(["--batches", "2, 8,"]).batches == [2, 8]


@pytest.mark.parametrize("value", ["", "0,1", "-2", "1,x"])
def test_a_bad_value_is_a_usage_error_with_the_parsers_message(value, capsys):
    with pytest.raises(SystemExit) as exited:
        parser().parse_args(["--batches", value])
    assert exited.value.code == 2
    assert f"argument --batches: expected positive integers separated by commas, got {value!r}" in capsys.readouterr().err
