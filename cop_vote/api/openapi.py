"""What marshmallow cannot say in the OpenAPI document, said by the schemas themselves.

apispec turns marshmallow fields and their validators into JSON Schema
(``Length`` → ``minLength``/``maxLength`` or ``minItems``/``maxItems``,
``Range`` → ``minimum``/``maximum``, ``OneOf`` → ``enum``, ``Regexp`` →
``pattern``). A few keywords have no marshmallow spelling; :class:`JsonSchemaKeywords`
adds them from the schema code, so the document stays generated:

* a field's ``metadata={"json_schema": {...}}`` (e.g. ``propertyNames``,
  ``minProperties``, ``const``);
* a schema class's ``Meta.json_schema`` (e.g. ``oneOf`` of required keys,
  ``dependentRequired``);
* marshmallow schema classes inside ``oneOf``/``anyOf``/``allOf`` lists there
  become ``$ref`` to their components.

It also marks every request body the document declares as required: each API
view that declares a body reads it with ``read_json_object`` and refuses an
empty one (400). A view that takes its body in another media type besides
JSON says so with ``@bp.doc(extensions={ALSO_ACCEPTS: {"text/csv": {...}}})``;
those media types join the request body's ``content`` here.
"""

from __future__ import annotations

import copy
from typing import Any

from apispec import APISpec, BasePlugin
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema
from marshmallow.fields import Field

#: An operation's extension naming further media types of its request body.
ALSO_ACCEPTS = "x-also-accepts"


def _is_schema(value: Any) -> bool:
    return isinstance(value, Schema) or (isinstance(value, type) and issubclass(value, Schema))


class JsonSchemaKeywords(BasePlugin):
    """apispec plugin: JSON Schema keywords from field metadata and ``Meta.json_schema``."""

    def init_spec(self, spec: APISpec) -> None:
        self.converter = next(
            p.converter for p in spec.plugins if isinstance(p, MarshmallowPlugin) and p.converter
        )
        plugin = self

        def field_keywords(_converter: Any, field: Field, **_kwargs: Any) -> dict[str, Any]:
            return plugin._resolve(copy.deepcopy(field.metadata.get("json_schema", {})))

        self.converter.add_attribute_function(field_keywords)

    def _resolve(self, value: Any) -> Any:
        """``value`` with every marshmallow schema in it replaced by its reference."""
        if _is_schema(value):
            return self.converter.resolve_nested_schema(value)
        if isinstance(value, dict):
            return {key: self._resolve(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._resolve(item) for item in value]
        return value

    def schema_helper(
        self, name: str, definition: dict[str, Any], **kwargs: Any
    ) -> dict[str, Any] | None:
        schema = kwargs.get("schema")
        meta = getattr(schema, "Meta", None)
        extra = getattr(meta, "json_schema", None)
        if not extra:
            return None
        resolved: dict[str, Any] = self._resolve(copy.deepcopy(extra))
        return resolved

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        for operation in (operations or {}).values():
            body = operation.get("requestBody")
            also = operation.pop(ALSO_ACCEPTS, None)
            if isinstance(body, dict):
                body["required"] = True
                if also:
                    body["content"].update(also)
