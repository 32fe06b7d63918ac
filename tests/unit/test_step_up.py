import pytest

from core.step_up import normalise_uk_phone


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("07700 900101", "+447700900101"),
        ("+44 7700 900101", "+447700900101"),
        ("0044 7700-900101", "+447700900101"),
        ("my number is 07700900101", "+447700900101"),
        ("12345", None),
        ("call me", None),
    ],
)
def test_phone_numbers_are_normalised_to_e164(typed, expected):
    assert normalise_uk_phone(typed) == expected
