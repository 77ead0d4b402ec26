"""One OpenAPI schema for every reader, whatever their language.

The schema is a contract that client generators turn into code: a module, a
class or an enum member is named after an operation id, a component name, a
parameter's ``title`` or an enum value. Served in the reader's language (the
site's default is zh-hans), the query-parameter enums carried translated
titles (``状态``, ``类型``) and openapi-python-client named its classes
``V1OrdersList状态`` for one integrator and ``V1OrdersListStatusItem`` for
another: regenerating the client in another locale broke the code built on it.

We chose the simplest rule that cannot drift: the schema is always generated
in English (``EnglishSchemaGenerator``), for ``/api/schema/``, for what
``/api/docs/`` loads, for ``?lang=`` and for ``manage.py spectacular``. Keeping
translated descriptions beside language-neutral names was the alternative;
it would need every name, title, enum and operation id kept apart from the
prose by hand, and a reviewer cannot see the day one of them slips. The
English descriptions are the ones the API's authors write and review.

On top of that, ``postprocess_language_neutral`` makes the generated names
independent of field order and name collisions, not only of the language:

* a query parameter whose choices are those of a named enum component
  (``OrderStatusEnum``, ``ProvinceEnum``, ...; see ``ENUM_NAME_OVERRIDES`` in
  the settings) refers to it instead of repeating the values inline, so a
  client filters with the same enum it reads, and no parameter carries a
  ``title`` for a generator to name a class after;
* an enum whose values are not ASCII (the provinces: the stored value is the
  Chinese name the post uses) gets ``x-enum-varnames`` from its English
  labels (``BEIJING``), which openapi-python-client and OpenAPI Generator
  use for the member names.
"""

from __future__ import annotations

import inspect
import re

from django.db.models import Choices
from django.utils import translation
from drf_spectacular.drainage import warn
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.plumbing import deep_import_string
from drf_spectacular.settings import spectacular_settings

#: The one language of the schema: its names, titles and descriptions.
SCHEMA_LANGUAGE = "en"


class EnglishSchemaGenerator(SchemaGenerator):
    """Generates the schema in ``SCHEMA_LANGUAGE`` whatever the request's
    language: every lazy string (labels, help texts, descriptions) is
    resolved inside ``get_schema``, so this covers them all."""

    def get_schema(self, request=None, public=False):
        with translation.override(SCHEMA_LANGUAGE):
            return super().get_schema(request=request, public=public)


def postprocess_language_neutral(result, generator, **kwargs):
    """drf-spectacular hook, after ``postprocess_schema_enums`` (which makes
    the enum components): see the module docstring."""
    schemas = result.get("components", {}).get("schemas", {})
    _parameter_enums_as_refs(result.get("paths", {}), schemas)
    _ascii_enum_varnames(schemas)
    return result


def _parameter_enums_as_refs(paths: dict, schemas: dict) -> None:
    by_values: dict[frozenset, list[str]] = {}
    for name, component in schemas.items():
        values = [v for v in component.get("enum", []) if v not in ("", None)]
        if values:
            by_values.setdefault(frozenset(values), []).append(name)
    for path, operations in paths.items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                schema.pop("title", None)
                is_array = schema.get("type") == "array"
                target = schema.get("items", {}) if is_array else schema
                target.pop("title", None)
                if "enum" not in target:
                    continue
                names = by_values.get(frozenset(target["enum"]), [])
                if len(names) != 1:
                    # Left inline, it would be named after the operation and
                    # the parameter; fine, but say so: it is probably a slip.
                    warn(
                        f"query parameter {parameter['name']!r} of {method.upper()} {path}: "
                        f"its choices match {len(names)} enum components ({names}); name "
                        f"them once in ENUM_NAME_OVERRIDES."
                    )
                    continue
                ref = {"$ref": f"#/components/schemas/{names[0]}"}
                if is_array:
                    schema["items"] = ref
                else:
                    parameter["schema"] = ref


def _ascii_enum_varnames(schemas: dict) -> None:
    for name, choices in spectacular_settings.ENUM_NAME_OVERRIDES.items():
        component = schemas.get(name)
        if component is None or all(str(v).isascii() for v in component.get("enum", [])):
            continue
        labels = dict(_choices(choices))
        varnames = [_varname(labels.get(value, "")) for value in component["enum"]]
        if not all(varnames) or len(set(varnames)) != len(varnames):
            warn(f"enum {name}: its English labels give no distinct ASCII names: {varnames}")
            continue
        component["x-enum-varnames"] = varnames


def _choices(choices) -> list[tuple]:
    if isinstance(choices, str):
        choices = deep_import_string(choices)
    if inspect.isclass(choices) and issubclass(choices, Choices):
        choices = choices.choices
    return [(c, c) if isinstance(c, str) else (c[0], c[1]) for c in choices]


def _varname(label) -> str:
    """``Inner Mongolia`` -> ``INNER_MONGOLIA``; empty unless the result is a
    Python identifier in ASCII."""
    name = re.sub(r"[^0-9A-Za-z]+", "_", str(label)).strip("_").upper()
    return name if name.isascii() and name.isidentifier() else ""
