"""The OpenAPI schema is one contract, whatever the reader's language
(issue 12 item 6): a client generated from it in one locale keeps working
when someone regenerates it in another. See integrations/schema.py."""

import json

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

pytestmark = pytest.mark.django_db

OPENAPI_JSON = "application/vnd.oai.openapi+json"
# Accept-Language (or ?lang=) of each reader; None: the site's default, zh-hans.
READERS = {
    "zh-hans": ("/api/schema/", {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}),
    "en": ("/api/schema/", {"HTTP_ACCEPT_LANGUAGE": "en"}),
    "none": ("/api/schema/", {}),
    "lang=zh-hans": ("/api/schema/?lang=zh-hans", {}),
    "format=json": ("/api/schema/?format=json", {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}),
}


@pytest.fixture
def site_default_chinese(settings):
    # As in production: a reader who names no language reads zh-hans.
    settings.LANGUAGE_CODE = "zh-hans"


def _schema(client, reader: str) -> dict:
    url, headers = READERS[reader]
    if "format=" not in url:
        headers = {"HTTP_ACCEPT": OPENAPI_JSON, **headers}
    response = client.get(url, **headers)
    assert response.status_code == 200, response.content[:200]
    return response.json()


def _walk(node, path=()):
    """Every (path, key, value) of the document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, key, value
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, (*path, i))


def _operations(schema: dict):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield f"{method.upper()} {path}", operation


def _structure(schema: dict) -> dict:
    """What a client generator names things after: everything but prose."""
    return {
        "operations": {
            key: {
                "operationId": op["operationId"],
                "parameters": [
                    (p["name"], p["in"], p.get("schema")) for p in op.get("parameters", [])
                ],
                "responses": {
                    status: sorted(response.get("content", {}))
                    for status, response in op["responses"].items()
                },
            }
            for key, op in _operations(schema)
        },
        "components": sorted(schema["components"]["schemas"]),
        "enums": {
            name: component["enum"]
            for name, component in schema["components"]["schemas"].items()
            if "enum" in component
        },
        "titles": sorted(
            (repr(path), value) for path, key, value in _walk(schema) if key == "title"
        ),
    }


def test_the_schema_is_the_same_in_every_language(client, site_default_chinese):
    # given readers in Chinese, in English, naming no language, and asking ?lang=
    schemas = {reader: _schema(client, reader) for reader in READERS}
    # then each gets the same paths, operation ids, components, enums and titles
    english = _structure(schemas["en"])
    for reader, schema in schemas.items():
        assert _structure(schema) == english, reader
    # and, the prose being English for all, the very same document
    for reader, schema in schemas.items():
        assert schema == schemas["en"], reader


def test_the_schema_says_it_is_english(client, site_default_chinese):
    response = client.get("/api/schema/", HTTP_ACCEPT=OPENAPI_JSON, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response["Content-Language"] == "en"


def test_the_management_command_writes_the_same_schema(client, tmp_path, site_default_chinese):
    # given a CI job that writes the schema to a file in a Chinese locale
    out = tmp_path / "schema.json"
    with translation.override("zh-hans"):
        call_command("spectacular", "--format", "openapi-json", "--file", str(out))
    # then it is the schema the server serves to everyone
    assert _structure(json.loads(out.read_text())) == _structure(_schema(client, "en"))


def test_names_titles_operation_ids_and_enums_are_ascii(client, site_default_chinese):
    schema = _schema(client, "zh-hans")
    names = [("operationId", op["operationId"]) for _, op in _operations(schema)]
    names += [
        ("parameter", p["name"]) for _, op in _operations(schema) for p in op.get("parameters", [])
    ]
    names += [("component", name) for name in schema["components"]["schemas"]]
    names += [
        ("property", prop)
        for path, key, value in _walk(schema)
        if key == "properties"
        for prop in value
    ]
    names += [("title", value) for path, key, value in _walk(schema) if key == "title"]
    for name, component in schema["components"]["schemas"].items():
        # An enum member is named after its value, or after x-enum-varnames
        # where the value is data in Chinese (the provinces).
        members = component.get("x-enum-varnames", component.get("enum", []))
        assert len(members) == len(component.get("enum", [])), name
        names += [(f"enum {name}", str(member)) for member in members]
    offending = [(kind, name) for kind, name in names if not name.isascii()]
    assert offending == []


def test_every_enum_component_is_named_explicitly(client):
    schema = _schema(client, "en")
    enums = {name for name, c in schema["components"]["schemas"].items() if "enum" in c}
    implicit = (
        enums
        - set(settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"])
        - {"BlankEnum", "NullEnum"}
    )
    assert implicit == set(), "add them to ENUM_NAME_OVERRIDES"


def test_query_parameter_enums_are_the_named_components(client):
    # A generator names an inline parameter enum after its title, the
    # operation and the parameter; a reference, after the component.
    schema = _schema(client, "zh-hans")
    parameters = [(key, p) for key, op in _operations(schema) for p in op.get("parameters", [])]
    inline = []
    for key, parameter in parameters:
        param_schema = parameter.get("schema", {})
        assert "title" not in param_schema and "title" not in param_schema.get("items", {}), key
        if "enum" in param_schema or "enum" in param_schema.get("items", {}):
            inline.append((key, parameter["name"]))
    assert inline == []
    order_list = dict(_operations(schema))["GET /api/v1/orders/"]
    status = next(p for p in order_list["parameters"] if p["name"] == "status")
    assert status["schema"]["items"] == {"$ref": "#/components/schemas/OrderStatusEnum"}


def test_downloads_offer_application_octet_stream(client):
    schema = _schema(client, "en")
    downloads = {
        key: op["responses"]["200"]["content"]
        for key, op in _operations(schema)
        if any(
            media.get("schema", {}).get("format") == "binary" or name == "application/pdf"
            for name, media in op["responses"].get("200", {}).get("content", {}).items()
        )
    }
    assert "GET /api/v1/documents/{id}/download/" in downloads
    for key, content in downloads.items():
        assert content.get("application/octet-stream", {}).get("schema") == {
            "type": "string",
            "format": "binary",
        }, key
        assert "application/pdf" in content, key
