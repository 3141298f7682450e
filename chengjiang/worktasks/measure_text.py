"""A task's measure and parameters as people read them, and back.

The office's sheets show a measure by its Chinese name (召开会议) and its parameters by their
values' Chinese labels (民主生活会), not as ``branches.meetings`` / ``kind=democratic_life``.
Reading a sheet accepts both: the Chinese text the export writes, and the keys. The labels of a
measure are unique in the registry and a value's label names one parameter value; a label that
matches two values is refused rather than guessed.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from chengjiang import measures as registry

from .models import param_label, param_values

MSG_AMBIGUOUS = _("“%(text)s” could mean more than one parameter value; write it as name=value.")
MSG_UNKNOWN_VALUE = _("The measure “%(measure)s” has no parameter value “%(text)s”.")
MSG_PARAMS_FORMAT = _(
    "Write the measure parameters as their names (e.g. 民主生活会), separated by 、."
)
SEPARATORS = ("、", ",", "，", ";", "；")


def measure_text(key: str) -> str:
    """The measure's Chinese name (its key when it is not registered)."""
    m = registry.REGISTRY.get(key)
    return str(m.label) if m is not None else key


def params_text(key: str, params: dict | None) -> str:
    """The parameter values' Chinese labels, by parameter name, joined by 、."""
    m = registry.REGISTRY.get(key)
    items = sorted((params or {}).items())
    if m is None:
        return ",".join(f"{k}={v}" for k, v in items)
    return "、".join(param_label(m.params.get(k), v) for k, v in items)


def measure_key_from_text(text: str) -> str:
    """A measure's key from its key or its Chinese name; unknown text is returned as it is
    (the task's validation then names it)."""
    text = (text or "").strip()
    found = registry.REGISTRY
    if not text or text in found:
        return text
    for key, m in found.items():
        if str(m.label) == text:
            return key
    return text


def _split(text: str) -> list[str]:
    for sep in SEPARATORS[1:]:
        text = text.replace(sep, SEPARATORS[0])
    return [p.strip() for p in text.split(SEPARATORS[0]) if p.strip()]


def params_from_text(key: str, text: str) -> dict[str, str]:
    """Parameters from ``name=value`` parts or values' Chinese labels (mixed is fine)."""
    text = (text or "").strip().replace("＝", "=")
    if not text:
        return {}
    m = registry.REGISTRY.get(key)
    out: dict[str, str] = {}
    for part in _split(text):
        name, sep, value = part.partition("=")
        if sep:
            if not name.strip() or not value.strip():
                raise ValueError(MSG_PARAMS_FORMAT)
            out[name.strip()] = value.strip()
            continue
        if m is None:
            raise ValueError(MSG_PARAMS_FORMAT)
        matches = [
            (pname, value)
            for pname, choices in m.params.items()
            for value in (param_values(choices) or [])
            if part in (value, param_label(choices, value))
        ]
        if not matches:
            raise ValueError(MSG_UNKNOWN_VALUE % {"measure": m.label, "text": part})
        if len(matches) > 1:
            raise ValueError(MSG_AMBIGUOUS % {"text": part})
        pname, value = matches[0]
        out[pname] = value
    return out
