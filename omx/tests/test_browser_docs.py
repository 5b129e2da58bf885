"""The API docs and the admin in a real browser: the docs make no request to
another site (they must work offline and within their CSP), and the admin
shows omX's icon instead of asking for a missing /favicon.ico."""

from urllib.parse import urlsplit

import pytest

from conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def requests_of(page):
    seen = []
    page.on("request", lambda request: seen.append(request.url))
    return seen


@pytest.mark.parametrize("path, ready", [("/redoc", "text=omX API"), ("/docs", ".swagger-ui .info")])
def test_docs_request_nothing_outside_the_origin(page, live_server, path, ready):
    seen = requests_of(page)
    page.goto(live_server.url + path)
    page.wait_for_selector(ready)
    page.wait_for_load_state("networkidle")
    origin = urlsplit(live_server.url).netloc
    outside = [url for url in seen if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).netloc != origin]
    assert outside == []
    assert any(url.endswith("/api/schema/") for url in seen)
    assert page.js_errors == []


def test_redoc_side_menu_has_no_remote_logo(page, live_server):
    page.goto(live_server.url + "/redoc")
    logo = page.locator("img[alt='redocly logo']")
    logo.wait_for(state="attached")
    assert logo.get_attribute("src").startswith("data:")


def test_admin_pages_show_the_favicon(page, live_server, make_user):
    make_user(email="root@example.com", full_name="Root", is_staff=True, is_superuser=True)
    responses = []
    page.on("response", lambda response: responses.append((response.url, response.status)))
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Email").fill("root@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/admin/")
    href = page.locator("link[rel=icon]").get_attribute("href")
    assert href.endswith("favicon.svg")
    assert page.request.get(live_server.url + href).status == 200
    assert [r for r in responses if r[1] >= 400] == []


def test_favicon_ico_leads_to_the_icon(client):
    response = client.get("/favicon.ico", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].endswith("img/favicon.svg")
