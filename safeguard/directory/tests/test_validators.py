import pytest
from django.core.exceptions import ValidationError

from safeguard.directory.validators import upn_check_letter, validate_laestab, validate_upn, validate_urn


def _upn(body):
    return upn_check_letter(body) + body


def test_a_upn_with_the_right_check_letter_is_accepted():
    validate_upn(_upn("999200126001"))
    validate_upn(_upn("999200126001").lower())  # typed in lower case


def test_a_temporary_upn_ending_in_a_letter_is_accepted():
    validate_upn(_upn("99920012600A"))


@pytest.mark.parametrize("value", ["", "A12", "12345678901234", "A99920012600I", "I999200126001"])
def test_malformed_upns_are_refused_with_the_shape_explained(value):
    with pytest.raises(ValidationError) as error:
        validate_upn(value)
    assert error.value.code == "upn_format"


def test_a_mistyped_upn_fails_its_check_letter():
    good = _upn("999200126001")
    mistyped = good[:-1] + ("2" if good[-1] != "2" else "3")
    with pytest.raises(ValidationError) as error:
        validate_upn(mistyped)
    assert error.value.code == "upn_check"


def test_check_letter_follows_the_dfe_weights():
    # weights 2..13: 9*2 + 9*3 + 9*4 + 2*5 + 0*6 + 0*7 + 1*8 + 2*9 + 6*10 + 0*11 + 0*12 + 1*13 = 190; 190 % 23 = 6 → "G"
    assert upn_check_letter("999200126001") == "G"


def test_school_identifiers():
    validate_urn("123456")
    validate_laestab("9992001")
    with pytest.raises(ValidationError):
        validate_urn("12345")
    with pytest.raises(ValidationError):
        validate_laestab("999-2001")
