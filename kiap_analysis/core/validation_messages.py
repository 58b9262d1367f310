"""pydantic's ValidationErrors said in a YAML file's own places and words.

'questions[1] (q2).options[3]: missing 'label' (the option as the survey shows it)': the place
as the file writes it (a question or step by its index and id, a union's member left out),
then what is wrong and, where the model's field says it, what the key is for. The unknown
keys of one mapping make one message that lists the known ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, Tag, ValidationError


@dataclass(frozen=True)
class _Step:
    """One element of an error's location and the type found there."""

    part: str | int
    kind: str  # field | index | key | tag (a member of a union: no key of the YAML)
    type: Any
    value: Any  # the input at this place (None when it is not there)


def _bare(tp: Any) -> Any:
    """The type without Annotated metadata and without an optional None."""
    while True:
        if get_origin(tp) is Annotated:
            tp = get_args(tp)[0]
        elif _is_union(tp) and type(None) in get_args(tp) and len(get_args(tp)) == 2:
            tp = next(a for a in get_args(tp) if a is not type(None))
        else:
            return tp


def _is_union(tp: Any) -> bool:
    return get_origin(tp) is Union or type(tp).__name__ == "UnionType"


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _member(tp: Any, tag: str) -> Any:
    """The member of a union that pydantic names ``tag`` in a location: by its Tag, or by the
    one value of its discriminator field (a question's type)."""
    for member in get_args(tp):
        tags = [m.tag for m in getattr(member, "__metadata__", ()) if isinstance(m, Tag)]
        bare = _bare(member)
        if tag in tags or (_is_model(bare) and any(get_args(f.annotation) == (tag,)
                                                   for f in bare.model_fields.values())):
            return bare
    return Any


def _walk(root: Any, loc: tuple, raw: Any) -> list[_Step]:
    steps, tp, value = [], root, raw
    for part in loc:
        tp = _bare(tp)
        if _is_union(tp):
            tp = _member(tp, str(part))
            steps.append(_Step(part, "tag", tp, value))
            continue
        if _is_model(tp) and part in tp.model_fields:
            kind, tp = "field", tp.model_fields[part].annotation
        elif get_origin(tp) is list and isinstance(part, int):
            kind, tp = "index", get_args(tp)[0]
        elif get_origin(tp) is dict:
            kind, tp = "key", get_args(tp)[1]
        else:
            kind, tp = ("index" if isinstance(part, int) else "field"), Any
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and isinstance(part, int) and part < len(value):
            value = value[part]
        else:
            value = None
        steps.append(_Step(part, kind, tp, value))
    return steps


def _models(tp: Any) -> list[type[BaseModel]]:
    tp = _bare(tp)
    if _is_union(tp):
        return [m for m in map(_bare, get_args(tp)) if _is_model(m)]
    return [tp] if _is_model(tp) else []


def _required(tp: Any) -> list[str]:
    """The keys every mapping of this type needs, in field order."""
    models = _models(tp)
    if not models:
        return []
    return [k for k, f in models[0].model_fields.items()
            if f.is_required() and all(k in m.model_fields and m.model_fields[k].is_required() for m in models)]


def _where(base: str, steps: list[_Step]) -> str:
    """'questions[1] (q2).options[3]': the place, with the id of a question or step that has one."""
    text = base
    for step in steps:
        if step.kind == "tag":
            continue
        text += f"[{step.part}]" if step.kind == "index" else f".{step.part}"
        if step.kind == "index" and "id" in _required(step.type) and isinstance(step.value, dict) \
                and isinstance(step.value.get("id"), (str, int)):
            text += f" ({str(step.value['id']).strip()})"
    return text.lstrip(".") or "top level"


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _quoted(text: str) -> str:
    """"'a', 'b' or 'c'" (pydantic's list of allowed values) -> 'a, b, c'."""
    return ", ".join(re.findall(r"'([^']*)'", text))


def _missing(steps: list[_Step], root: Any) -> str:
    """"missing 'key' (what it is)"; a key that only some types of question have: 'a likert question needs'."""
    key, parent = steps[-1].part, steps[-2] if len(steps) > 1 else None
    models = _models(parent.type if parent else root)
    field = models[0].model_fields.get(key) if len(models) == 1 else None
    described = f" ({field.description[0].lower()}{field.description[1:].rstrip('.')})" \
        if field is not None and field.description else ""
    union = steps[-3].type if parent is not None and parent.kind == "tag" and len(steps) > 2 else root
    if parent is not None and parent.kind == "tag" and key not in _required(union) and models:
        return f"a {parent.part} {getattr(models[0], 'noun', 'mapping')} needs '{key}'{described}"
    return f"missing '{key}'{described}"


def _message(error: dict, steps: list[_Step], root: Any, base: str) -> tuple[str, str]:
    """(where, what) of one pydantic error."""
    kind, ctx, value = error["type"], error.get("ctx") or {}, error["input"]
    here, parent_steps = _where(base, steps), steps[:-1]
    parent = parent_steps[-1].type if parent_steps else root
    key = steps[-1].part if steps else None
    required = bool(_models(parent)) and key in _required(parent)
    if kind == "missing" or (kind.endswith("_type") and value is None and required):
        return _where(base, parent_steps), _missing(steps, root)
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        name = ctx["discriminator"].strip("'")
        tags = ", ".join(get_args(m.model_fields[name].annotation)[0] for m in _models(steps[-1].type if steps
                                                                                        else root))
        if kind == "union_tag_not_found":
            return here, f"missing '{name}' (one of {tags})"
        return here, f"{name} '{ctx['tag']}' is not one of {tags}"
    if kind == "literal_error":
        if isinstance(key, int):
            return _where(base, parent_steps), f"'{value}' is not one of {_quoted(ctx['expected'])}"
        return _where(base, parent_steps), f"{key} '{value}' is not one of {_quoted(ctx['expected'])}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        keys = _required(steps[-1].type if steps else root)
        return here, f"expected a mapping with {_and(keys)}" if keys else "expected a mapping"
    if kind == "list_type":
        items = get_args(_bare(steps[-1].type if steps else root))
        texts = bool(items) and _bare(items[0]) is str
        return here, f"expected a list{' of texts' if texts else ''}, got {value!r}"
    if kind == "too_short":
        if ctx.get("min_length") == 1:
            return here, "expected a non-empty list"
        return here, f"expected at least {ctx['min_length']} entries, got {ctx['actual_length']}"
    if kind == "bool_type":
        return here, f"expected true or false, got {value!r}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return here, f"expected a whole number, got {value!r}"
    if kind == "string_type":
        return here, f"expected text, got {value!r}"
    return ctx.get("where", here), error["msg"]


def messages(exc: ValidationError, root: Any, raw: Any, base: str = "") -> list[str]:
    """Each problem of ``exc`` as 'where: what', in the spec's own places and words; the unknown
    keys of one mapping in one message.

    ``root`` is the type that was validated (PackageModel, or the list of questions an order
    adds), ``raw`` what was validated, ``base`` the place of ``raw`` in the spec (questions.add)."""
    said: dict[str, list[str] | None] = {}  # message, or the place of unknown keys -> the keys
    known: dict[str, list[str]] = {}
    for error in exc.errors():
        steps = _walk(root, error["loc"], raw)
        if error["type"] != "extra_forbidden":
            where, what = _message(error, steps, root, base)
            said.setdefault(f"{where}: {what}", None)
            continue
        where = _where(base, steps[:-1])
        said.setdefault(where, []).append(repr(str(steps[-1].part)))  # type: ignore[union-attr]
        known[where] = [key for model in _models(steps[-2].type if len(steps) > 1 else root)[:1]
                        for key in model.model_fields]
    return [f"{text}: unknown key(s) {', '.join(keys)} (known: {', '.join(known[text])})" if keys is not None
            else text for text, keys in said.items()]
