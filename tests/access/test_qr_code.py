import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_qr_code_is_svg_of_this_site(users, login):
    client = login(users.sec_a)
    response = client.get(reverse("qr_code"), {"next": "/meetings/?year=2024"})
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:1"])
def test_qr_code_refuses_other_sites(users, login, target):
    client = login(users.sec_a)
    assert client.get(reverse("qr_code"), {"next": target}).status_code == 400


def test_qr_code_needs_login(client):
    response = client.get(reverse("qr_code"), {"next": "/"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
