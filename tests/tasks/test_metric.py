import pytest

from aiopt_harness.tasks.metric import OutputFormatError, metric_value, parse_key_values


def test_parse_key_values() -> None:
    assert parse_key_values(b"a=1\n\n b = two \n") == {"a": "1", "b": "two"}


def test_metric_value() -> None:
    assert metric_value(b"hit_rate=0.25\nvalid=1\n", "hit_rate") == 0.25


@pytest.mark.parametrize(
    ("output", "message"),
    [
        (b"valid=1\n", "no hit_rate="),
        (b"hit_rate=high\n", "not a number"),
        (b"hit_rate=nan\n", "not finite"),
        (b"=3\n", "not key=value"),
    ],
)
def test_metric_errors(output: bytes, message: str) -> None:
    with pytest.raises(OutputFormatError, match=message):
        metric_value(output, "hit_rate")
