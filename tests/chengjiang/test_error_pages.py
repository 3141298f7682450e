"""403, 404 and 500 answer the portal's own pages in Chinese, also under DEBUG (``make run``):
the demo's users never see Django's English technical pages (which list the URL patterns and
settings). A developer who wants them sets DEBUG_TECHNICAL_ERRORS."""

import pytest
from django.urls import reverse

NOT_FOUND = "页面不存在"
NOT_ALLOWED = "无权操作"
SERVER_ERROR = "服务器出错"


@pytest.fixture(params=[False, True], ids=["production", "debug"])
def debug(request, settings):
    settings.DEBUG = request.param
    settings.DEBUG_TECHNICAL_ERRORS = False
    return request.param


def test_unknown_url_is_the_chinese_404(debug, users, login):
    response = login(users.sec_a).get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert NOT_FOUND in body and "URLconf" not in body and "Page not found" not in body
    assert response.headers["X-Frame-Options"] == "DENY"  # the page keeps the portal's headers


def test_out_of_scope_object_is_the_chinese_404(debug, tree, users, login):
    response = login(users.sec_a).get(reverse("worktasks:dashboard"), {"org": tree.b.pk})
    assert response.status_code == 404
    body = response.content.decode()
    assert NOT_FOUND in body and "Http404" not in body and "Traceback" not in body


def test_forbidden_is_the_chinese_403(debug, users, login):
    response = login(users.leader).get(reverse("worktasks:import"))
    assert response.status_code == 403
    assert NOT_ALLOWED in response.content.decode()


@pytest.mark.urls("tests.chengjiang.error_urls")
def test_server_error_is_the_chinese_500_and_is_logged(debug, users, login, caplog):
    client = login(users.sec_a)
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert SERVER_ERROR in body and "RuntimeError" not in body and "Traceback" not in body
    assert any("boom" in str(r.exc_info) for r in caplog.records if r.exc_info)


def test_a_developer_can_ask_for_the_technical_pages(settings, users, login):
    settings.DEBUG = True
    settings.DEBUG_TECHNICAL_ERRORS = True
    response = login(users.sec_a).get("/no-such-page/")
    assert response.status_code == 404 and "URLconf" in response.content.decode()


def test_anonymous_unknown_url_is_the_chinese_404(debug, client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert NOT_FOUND in body and "URLconf" not in body
