"""Password validators reject common, short, numeric and username-like passwords."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


@pytest.fixture
def person(db):
    return get_user_model()(
        username="zhangwei", first_name="伟", last_name="张", email="zhangwei@example.cn"
    )


def _codes(password, user):
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return {e.code for e in exc.error_list}
    return set()


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("password123", "password_too_common"),
        ("qwertyuiop", "password_too_common"),
        ("1234567890", "password_entirely_numeric"),
        ("Xk9#mQ2", "password_too_short"),  # 7 characters
        ("Ab3$efgh9", "password_too_short"),  # 9: the minimum is 10
        ("zhangwei123", "password_too_similar"),
        ("Zhangwei2024", "password_too_similar"),
    ],
)
def test_weak_passwords_are_refused(person, password, code):
    assert code in _codes(password, person)


def test_a_strong_password_passes(person):
    assert _codes("Qing-qiao 7 lotus", person) == set()


def test_the_form_refuses_too(person, client):
    from django.contrib.auth.forms import SetPasswordForm

    person.set_password("Initial-pass-123")
    person.save()
    form = SetPasswordForm(person, {"new_password1": "zhangwei1", "new_password2": "zhangwei1"})
    assert not form.is_valid()
    assert "new_password2" in form.errors


def test_production_hashes_with_pbkdf2_and_tests_with_a_fast_hasher():
    """The suite's fast hasher is a test setting only: production keeps Django's PBKDF2."""
    import importlib

    from django.conf import global_settings, settings

    production = importlib.import_module("chengjiang.settings")
    hashers = getattr(production, "PASSWORD_HASHERS", global_settings.PASSWORD_HASHERS)
    assert hashers[0] == "django.contrib.auth.hashers.PBKDF2PasswordHasher"
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]
