import pytest

from ozgeris.emails import canonical_email, is_disposable


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("A.B+x@gmail.com", "ab@gmail.com"),
        ("ab@googlemail.com", "ab@gmail.com"),
        ("  Aigerim.Bek@Mail.RU ", "aigerim.bek@mail.ru"),
        ("a.b+tag@yandex.kz", "a-b@yandex.ru"),
        ("not-an-address", "not-an-address"),
    ],
)
def test_canonical_email_folds_one_mailbox_to_one_form(address, expected):
    assert canonical_email(address) == expected


def test_disposable_domains_and_their_subdomains_are_recognised():
    assert is_disposable("x@mailinator.com")
    assert is_disposable("x@eu.mailinator.com")
    assert not is_disposable("x@gmail.com")
    assert not is_disposable("x@mail.ru")
