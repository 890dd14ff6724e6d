"""JSON bodies within bounds: too deep or too large is a 400 on every JSON endpoint, never a
RecursionError (a 500)."""

import json

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from lms.core.parsers import (
    MAX_DEPTH,
    JSONTooDeep,
    JSONTooLarge,
    check_json_bounds,
    json_depth,
    json_loads_bounded,
)
from tests.test_authorization_matrix import discovered_routes, required_methods

DEEP = "[" * 5_000 + "]" * 5_000
TOKEN_URL = "/api/v1/auth/token/"


def test_depth_counts_brackets_outside_strings_only():
    assert json_depth('{"a": [1, {"b": []}]}') == 4
    assert json_depth('{"a": "[[[[{{{{"}') == 1
    assert json_depth(r'{"a": "\"[[[["}') == 1
    assert json_depth("[]" * 10_000) == 1
    assert json_depth(DEEP) == 5_000


def test_bounds():
    check_json_bounds("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    with pytest.raises(JSONTooDeep):
        check_json_bounds("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    with pytest.raises(JSONTooLarge):
        check_json_bounds(json.dumps(["x" * 1_000_001]))
    with pytest.raises(ValueError):
        json_loads_bounded(DEEP)
    assert json_loads_bounded('{"a": [1]}') == {"a": [1]}


@pytest.mark.django_db
def test_a_5000_deep_body_is_a_400_on_the_token_endpoint(client):
    response = client.post(TOKEN_URL, DEEP, content_type="application/json")
    assert response.status_code == 400
    assert "nested" in response.json()["detail"] or "imbriqu" in response.json()["detail"]


@pytest.mark.django_db
@override_settings(JSON_MAX_BYTES=1_000)
def test_a_body_too_large_is_a_400(client):
    body = json.dumps({"username": "x" * 2_000, "password": "y"})
    response = client.post(TOKEN_URL, body, content_type="application/json")
    assert response.status_code == 400


@pytest.mark.django_db
def test_an_ordinary_body_still_reaches_the_view(client):
    response = client.post(TOKEN_URL, {"username": "nobody", "password": "wrong"},
                           content_type="application/json")
    assert response.status_code == 400  # wrong credentials, said by the serializer
    assert "non_field_errors" in response.json()


def _api_writes():
    for key, routes in sorted(discovered_routes().items()):
        for route in routes:
            if not route.route.startswith("api/"):
                continue
            methods = required_methods(route.callback) & {"POST", "PUT", "PATCH"}
            if methods:
                yield key, route, sorted(methods)


@pytest.mark.django_db
def test_no_json_endpoint_answers_500_to_a_5000_deep_body(manager):
    client = Client(raise_request_exception=False)
    client.force_login(manager)
    checked = 0
    for key, route, methods in _api_writes():
        kwargs = dict.fromkeys(route.kwargs, 1)
        try:
            url = reverse(key, kwargs=kwargs)
        except Exception:  # a route without a name: not an API write of ours
            continue
        for method in methods:
            response = getattr(client, method.lower())(url, DEEP,
                                                       content_type="application/json")
            assert response.status_code < 500, (key, method, response.status_code)
            checked += 1
    assert checked >= 10


@pytest.mark.django_db
def test_the_signature_form_refuses_a_deep_body(trainer):
    from lms.attendance.forms import SignatureForm

    form = SignatureForm(data={"strokes": "[" * 40_000 + "]" * 40_000})
    assert not form.is_valid()
    assert "strokes" in form.errors


def test_every_api_view_parses_json_with_the_bounded_parser():
    from rest_framework.parsers import JSONParser

    from lms.core.parsers import BoundedJSONParser

    plain = []
    for key, routes in sorted(discovered_routes().items()):
        for route in routes:
            view = getattr(route.callback, "cls", None)
            for parser in getattr(view, "parser_classes", ()):
                if issubclass(parser, JSONParser) and not issubclass(parser,
                                                                     BoundedJSONParser):
                    plain.append(key)
    assert not plain, f"API views parsing JSON without bounds: {plain}"
