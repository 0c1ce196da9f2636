"""Field ownership (``metadata.managedFields``) and server-side apply, as the apiserver keeps them.

Every write names a field manager (``?fieldManager=``, else the client's User-Agent up to its first
``/``). A create, update or patch is an ``Update`` operation: its manager takes the fields it set or
changed. An apply is an ``Apply`` operation: its manager owns exactly the fields of its applied
configuration; a field that manager applied before and now leaves out is removed from the object
unless another manager still owns it; a field another manager owns with a different value is a
409 conflict unless ``force=true``, which takes the field over.

Paths use the apiserver's FieldsV1 keys: ``f:<field>`` for a map field, ``k:{"name":"app"}`` for
an item of a list merged by key, ``v:<json>`` for an item of a set of scalars; any other list is
atomic (one leaf).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bluegreen.local.fake_kube import errors
from bluegreen.local.fake_kube.patches import PRIMITIVE_MERGE_LISTS, merge_key_for, strategic_merge_patch

Obj = dict[str, Any]
Path = tuple[str, ...]

APPLY = "Apply"
UPDATE = "Update"
# What the server owns, or what identifies the object: never in managedFields.
_UNTRACKED_METADATA = frozenset(
    {
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "managedFields",
        "deletionTimestamp",
        "selfLink",
    }
)
_UNTRACKED_TOP = frozenset({"apiVersion", "kind", "status"})
_MISSING = object()


def manager_from_user_agent(user_agent: str | None) -> str:
    """The apiserver's default manager: the User-Agent up to the first ``/`` (at most 128 characters)."""
    return (user_agent or "unknown").split("/", 1)[0][:128] or "unknown"


# --- paths -------------------------------------------------------------------------------------


def field_paths(obj: Obj) -> set[Path]:
    """Every owned path of an object: leaves and list items (not the server's own fields)."""
    paths: set[Path] = set()
    for top, value in obj.items():
        if top in _UNTRACKED_TOP:
            continue
        if top == "metadata" and isinstance(value, dict):
            tracked = {k: v for k, v in value.items() if k not in _UNTRACKED_METADATA}
            if tracked:
                paths.update(_walk(tracked, ("f:metadata",)))
        else:
            paths.update(_walk({top: value}, ()))
    return paths


def _walk(value: Any, prefix: Path) -> Iterator[Path]:
    if not isinstance(value, dict) or not value:
        yield prefix
        return
    for name, child in value.items():
        path = (*prefix, f"f:{name}")
        if isinstance(child, list):
            yield from _walk_list(name, child, path)
        else:
            yield from _walk(child, path)


def _walk_list(name: str, items: list[Any], path: Path) -> Iterator[Path]:
    if not items:
        yield path
        return
    merge_key = merge_key_for(name, items)
    if merge_key and all(isinstance(item, dict) and merge_key in item for item in items):
        for item in items:
            item_path = (*path, _item_key(merge_key, item[merge_key]))
            yield item_path
            for child in _walk(item, item_path):
                if child != item_path:
                    yield child
    elif name in PRIMITIVE_MERGE_LISTS:
        for item in items:
            yield (*path, "v:" + json.dumps(item, separators=(",", ":")))
    else:
        yield path  # an atomic list: one value


def _item_key(merge_key: str, value: Any) -> str:
    return "k:" + json.dumps({merge_key: value}, separators=(",", ":"))


def _child(node: Any, element: str) -> Any:
    if element.startswith("f:"):
        return node.get(element[2:], _MISSING) if isinstance(node, dict) else _MISSING
    if not isinstance(node, list):
        return _MISSING
    if element.startswith("k:"):
        ((field, value),) = json.loads(element[2:]).items()
        return next((i for i in node if isinstance(i, dict) and i.get(field) == value), _MISSING)
    wanted = json.loads(element[2:])
    return wanted if wanted in node else _MISSING


def value_at(obj: Obj, path: Path) -> Any:
    node: Any = obj
    for element in path:
        node = _child(node, element)
        if node is _MISSING:
            return _MISSING
    return node


def remove_at(obj: Obj, path: Path) -> None:
    parent = value_at(obj, path[:-1]) if len(path) > 1 else obj
    element = path[-1]
    if element.startswith("f:") and isinstance(parent, dict):
        parent.pop(element[2:], None)
    elif isinstance(parent, list):
        item = _child(parent, element)
        if item is not _MISSING:
            parent.remove(item)


def display(path: Path) -> str:
    """``.spec.template.spec.containers[name="app"].image``, as the apiserver names a field."""
    text = ""
    for element in path:
        if element.startswith("f:"):
            text += "." + element[2:]
        elif element.startswith("k:"):
            ((field, value),) = json.loads(element[2:]).items()
            text += f"[{field}={json.dumps(value)}]"
        else:
            text += f"[={element[2:]}]"
    return text


def to_fields_v1(paths: set[Path]) -> Obj:
    tree: Obj = {}
    for path in sorted(paths):
        node = tree
        for element in path:
            node = node.setdefault(element, {})
        if path and path[-1].startswith("k:"):
            node["."] = {}
    return tree


def from_fields_v1(tree: Obj, prefix: Path = ()) -> set[Path]:
    paths: set[Path] = set()
    for element, child in tree.items():
        if element == ".":
            paths.add(prefix)
            continue
        path = (*prefix, element)
        if child:
            paths |= from_fields_v1(child, path)
        else:
            paths.add(path)
    return paths


# --- managers ----------------------------------------------------------------------------------


@dataclass
class _Entry:
    manager: str
    operation: str
    api_version: str
    time: str
    paths: set[Path]
    subresource: str | None = None

    @property
    def identity(self) -> tuple[str, str, str | None]:
        return (self.manager, self.operation, self.subresource)


def _entries(obj: Obj) -> list[_Entry]:
    return [
        _Entry(
            manager=str(item.get("manager", "")),
            operation=str(item.get("operation", UPDATE)),
            api_version=str(item.get("apiVersion", "")),
            time=str(item.get("time", "")),
            paths=from_fields_v1(item.get("fieldsV1") or {}),
            subresource=item.get("subresource"),
        )
        for item in obj.get("metadata", {}).get("managedFields") or []
    ]


def _store(obj: Obj, entries: list[_Entry]) -> None:
    kept = []
    for entry in entries:
        entry.paths = {p for p in entry.paths if value_at(obj, p) is not _MISSING}
        if entry.paths:
            item: Obj = {
                "manager": entry.manager,
                "operation": entry.operation,
                "apiVersion": entry.api_version,
                "time": entry.time,
                "fieldsType": "FieldsV1",
                "fieldsV1": to_fields_v1(entry.paths),
            }
            if entry.subresource:
                item["subresource"] = entry.subresource
            kept.append(item)
    if kept:
        obj["metadata"]["managedFields"] = kept
    else:
        obj["metadata"].pop("managedFields", None)


def _entry_for(
    entries: list[_Entry], identity: tuple[str, str, str | None], api_version: str, now: str
) -> _Entry:
    for entry in entries:
        if entry.identity == identity:
            entry.time, entry.api_version = now, api_version
            return entry
    manager, operation, subresource = identity
    entry = _Entry(manager, operation, api_version, now, set(), subresource)
    entries.append(entry)
    return entry


def record_update(
    old: Obj | None, new: Obj, manager: str, api_version: str, now: str, subresource: str | None = None
) -> None:
    """After a create/update/patch: ``manager`` owns what it set or changed; others lose those fields."""
    entries = _entries(old) if old is not None else []
    changed = {path for path in field_paths(new) if old is None or value_at(old, path) != value_at(new, path)}
    if changed:
        for entry in entries:
            entry.paths -= changed
        _entry_for(entries, (manager, UPDATE, subresource), api_version, now).paths |= changed
    _store(new, entries)


def apply(live: Obj | None, applied: Obj, manager: str, api_version: str, now: str, *, force: bool) -> Obj:
    """The object after ``manager`` applies ``applied`` (a 409 on conflicts unless ``force``)."""
    entries = _entries(live) if live is not None else []
    wanted = field_paths(applied)
    identity = (manager, APPLY, None)
    others = [e for e in entries if e.identity != identity]
    conflicts = [
        (entry.manager, path)
        for path in sorted(wanted)
        for entry in others
        if path in entry.paths
        and not path[-1].startswith("k:")
        and live is not None
        and value_at(live, path) != value_at(applied, path)
    ]
    if conflicts and not force:
        raise _conflict_error(conflicts, api_version)
    for manager_name, path in conflicts:  # force: the applier takes them over
        for entry in others:
            if entry.manager == manager_name:
                entry.paths.discard(path)
    merged = strategic_merge_patch(live, applied) if live is not None else copy.deepcopy(applied)
    previous = next((e.paths for e in entries if e.identity == identity), set())
    removed: list[Path] = []
    for path in sorted(previous - wanted, key=len):  # a list item before its fields
        if any(_covers(gone, path) for gone in removed):
            continue
        if not any(_covers(path, owned) for entry in others for owned in entry.paths):
            remove_at(merged, path)
            removed.append(path)
    merged.setdefault("metadata", {})
    if live is not None:
        merged["metadata"]["managedFields"] = copy.deepcopy(live["metadata"].get("managedFields"))
    _entry_for(entries, identity, api_version, now).paths = wanted
    _store(merged, entries)
    return merged


def _covers(path: Path, owned: Path) -> bool:
    """Another manager's field at or under ``path`` keeps it."""
    return owned[: len(path)] == path


def _conflict_error(conflicts: list[tuple[str, Path]], api_version: str) -> errors.KubeApiError:
    lines = [f'conflict with "{manager}" using {api_version}: {display(path)}' for manager, path in conflicts]
    count = len(conflicts)
    message = f"Apply failed with {count} conflict{'s' if count > 1 else ''}: " + "\n".join(lines)
    causes = [
        {
            "reason": "FieldManagerConflict",
            "message": f'conflict with "{manager}" using {api_version}',
            "field": display(path),
        }
        for manager, path in conflicts
    ]
    return errors.KubeApiError(409, "Conflict", message, {"causes": causes})
