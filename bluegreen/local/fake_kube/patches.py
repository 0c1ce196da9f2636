"""The four PATCH flavours of the Kubernetes API, as pure functions over JSON-like values.

JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge patch (Kubernetes: lists of
containers, env, ports, volumes... merge by a key, other lists are replaced). Server-side apply
merges the same way and tracks field ownership on top (``managed_fields``).
"""

from __future__ import annotations

import copy
from typing import Any

from bluegreen.local.fake_kube.errors import bad_request, unprocessable

JSON = Any

# Lists that a strategic merge patch merges item by item, with the field that identifies an item.
# "ports" is resolved per list: containerPort for a container's ports, port for a Service's.
MERGE_KEYS: dict[str, str] = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "hostAliases": "ip",
    "conditions": "type",
}
# Lists of scalars that a strategic merge patch unions instead of replacing.
PRIMITIVE_MERGE_LISTS = frozenset({"finalizers"})

_DIRECTIVE = "$patch"
_DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/"


def merge_patch(target: JSON, patch: JSON) -> JSON:
    """RFC 7386: objects merge recursively, ``null`` deletes a key, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# --- JSON patch (RFC 6902) -------------------------------------------------------------------------


def json_patch(document: JSON, operations: JSON) -> JSON:
    """Apply RFC 6902 operations; a malformed patch is a 400, a failing operation a 422."""
    if not isinstance(operations, list):
        raise bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    result = copy.deepcopy(document)
    for operation in operations:
        if not isinstance(operation, dict) or not isinstance(operation.get("op"), str):
            raise bad_request(f"invalid JSON patch operation: {operation!r}")
        result = _apply_operation(result, operation)
    return result


def _apply_operation(document: JSON, operation: dict[str, Any]) -> JSON:
    op = operation["op"]
    path = _string_field(operation, "path")
    if op == "add":
        return _add(document, path, copy.deepcopy(_value_field(operation)))
    if op == "remove":
        return _remove(document, path)
    if op == "replace":
        _get(document, path)
        if path == "":
            return copy.deepcopy(_value_field(operation))
        return _add(_remove(document, path), path, copy.deepcopy(_value_field(operation)))
    if op == "move":
        source = _string_field(operation, "from")
        if path.startswith(source + "/"):
            raise unprocessable(f"cannot move {source} into its own child {path}")
        value = _get(document, source)
        return _add(_remove(document, source), path, value)
    if op == "copy":
        return _add(document, path, copy.deepcopy(_get(document, _string_field(operation, "from"))))
    if op == "test":
        if _get(document, path) != _value_field(operation):
            raise unprocessable(f"testing value {path} failed")
        return document
    raise unprocessable(f"Unexpected kind: {op}")


def _string_field(operation: dict[str, Any], field: str) -> str:
    value = operation.get(field)
    if not isinstance(value, str):
        raise unprocessable(f"operation {operation.get('op')!r} is missing the {field!r} field")
    return value


def _value_field(operation: dict[str, Any]) -> JSON:
    if "value" not in operation:
        raise unprocessable(f"operation {operation['op']!r} is missing the 'value' field")
    return operation["value"]


def _tokens(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise unprocessable(f"JSON pointer must start with '/': {path!r}")
    return [token.replace("~1", "/").replace("~0", "~") for token in path[1:].split("/")]


def _index(container: list[Any], segment: str, *, for_insert: bool) -> int:
    if segment == "-" and for_insert:
        return len(container)
    if not segment.isdigit() or (len(segment) > 1 and segment.startswith("0")):
        raise unprocessable(f"invalid array index: {segment!r}")
    index = int(segment)
    limit = len(container) if for_insert else len(container) - 1
    if index > limit:
        raise unprocessable(f"array index out of bounds: {index}")
    return index


def _parent(document: JSON, path: str) -> tuple[JSON, str]:
    tokens = _tokens(path)
    node = document
    for token in tokens[:-1]:
        node = _child(node, token, path)
    return node, tokens[-1]


def _child(node: JSON, token: str, path: str) -> JSON:
    if isinstance(node, dict):
        if token not in node:
            raise unprocessable(f"doc is missing path: {path!r}")
        return node[token]
    if isinstance(node, list):
        return node[_index(node, token, for_insert=False)]
    raise unprocessable(f"doc is missing path: {path!r}")


def _get(document: JSON, path: str) -> JSON:
    node = document
    for token in _tokens(path):
        node = _child(node, token, path)
    return node


def _add(document: JSON, path: str, value: JSON) -> JSON:
    if path == "":
        return value
    parent, token = _parent(document, path)
    if isinstance(parent, dict):
        parent[token] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, token, for_insert=True), value)
    else:
        raise unprocessable(f"doc is missing path: {path!r}")
    return document


def _remove(document: JSON, path: str) -> JSON:
    if path == "":
        raise unprocessable("cannot remove the whole document")
    parent, token = _parent(document, path)
    if isinstance(parent, dict) and token in parent:
        del parent[token]
    elif isinstance(parent, list):
        del parent[_index(parent, token, for_insert=False)]
    else:
        raise unprocessable(f"unable to remove nonexistent key: {token}: missing value")
    return document


# --- strategic merge patch ---------------------------------------------------------------------


def strategic_merge_patch(original: dict[str, Any], patch: JSON) -> dict[str, Any]:
    """Kubernetes strategic merge, including ``$patch: delete|replace`` for maps and list items."""
    if not isinstance(patch, dict):
        raise bad_request("a strategic merge patch must be a JSON object")
    merged = _merge_map(original, patch)
    return merged if isinstance(merged, dict) else {}


def _merge_map(original: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any] | None:
    """The merged map, or None when the patch says ``$patch: delete``."""
    directive = patch.get(_DIRECTIVE)
    if directive == "delete":
        return None
    if directive == "replace":
        replacement: dict[str, Any] = _strip_directives(patch)
        return replacement
    if directive is not None:
        raise unprocessable(f"unknown patch type: {directive}")
    result = copy.deepcopy(original)
    for key, value in patch.items():
        if key.startswith(_DELETE_FROM_PRIMITIVE_LIST):
            field = key.removeprefix(_DELETE_FROM_PRIMITIVE_LIST)
            result[field] = [item for item in result.get(field, []) if item not in (value or [])]
        elif key.startswith("$"):
            continue  # $setElementOrder/..., $retainKeys (handled below): ordering hints only
        elif value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            current = result.get(key)
            merged = _merge_map(current if isinstance(current, dict) else {}, value)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        elif isinstance(value, list):
            current = result.get(key)
            result[key] = _merge_list(key, current if isinstance(current, list) else [], value)
        else:
            result[key] = value
    retain = patch.get("$retainKeys")
    if isinstance(retain, list):
        result = {key: value for key, value in result.items() if key in retain}
    return result


def merge_key_for(field: str, items: list[Any]) -> str | None:
    """The key a list's items merge by (None: the list is replaced as a whole)."""
    if field == "ports":
        uses_container_port = any(isinstance(item, dict) and "containerPort" in item for item in items)
        return "containerPort" if uses_container_port else "port"
    return MERGE_KEYS.get(field)


def _merge_list(field: str, original: list[Any], patch: list[Any]) -> list[Any]:
    merge_key = merge_key_for(field, original + patch)
    if merge_key is None:
        if field in PRIMITIVE_MERGE_LISTS:
            return copy.deepcopy(original) + [item for item in patch if item not in original]
        replacement: list[Any] = _strip_directives(patch)
        return replacement
    if any(isinstance(item, dict) and item.get(_DIRECTIVE) == "replace" for item in patch):
        return [_strip_directives(item) for item in patch if _DIRECTIVE not in item]
    result: list[Any] = copy.deepcopy(original)
    for item in patch:
        if not isinstance(item, dict) or merge_key not in item:
            raise unprocessable(f"map: {item!r} does not contain declared merge key: {merge_key}")
        position = next(
            (i for i, existing in enumerate(result) if existing.get(merge_key) == item[merge_key]), None
        )
        if item.get(_DIRECTIVE) == "delete":
            result = [existing for existing in result if existing.get(merge_key) != item[merge_key]]
            continue
        merged = _merge_map(result[position] if position is not None else {}, item)
        if merged is None:
            continue
        if position is None:
            result.append(merged)
        else:
            result[position] = merged
    return result


def _strip_directives(value: JSON) -> JSON:
    if isinstance(value, dict):
        return {key: _strip_directives(item) for key, item in value.items() if not key.startswith("$")}
    if isinstance(value, list):
        return [_strip_directives(item) for item in value]
    return copy.deepcopy(value)


JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH)


def apply_patch(patch_type: str, original: dict[str, Any], patch: JSON) -> JSON:
    """Apply a patch of one of the non-apply PATCH_TYPES; apply itself merges like a strategic patch."""
    if patch_type == JSON_PATCH:
        return json_patch(original, patch)
    if patch_type == MERGE_PATCH:
        if not isinstance(patch, dict):
            raise bad_request("a merge patch must be a JSON object")
        return merge_patch(original, patch)
    return strategic_merge_patch(original, patch)
