"""Text that enters the portal: the one cleaning rule for forms, the admin and imports.

Word inserts a vertical tab (``\\v``) for Shift+Enter; copying from PDFs and web pages brings
form feeds, NULs, zero-width marks and lone surrogates. None of these means anything in a
record, and most are illegal in the XML inside .xlsx and .docx files, so one stored control
character used to make every export that touched the record fail. ``clean_text`` is applied
wherever text comes in (``CleanTextMixin`` on forms, the admin's form base, the importers):

* line breaks of every flavour (``\\r\\n``, ``\\r``, ``\\v``, ``\\f``, ``\\x1c``-``\\x1e``,
  ``\\x85``, U+2028, U+2029) become ``\\n`` in multi-line text and one space in a single line;
* a tab stays in multi-line text and becomes a space in a single line;
* every other control character (C0, DEL, C1), lone surrogates and the non-characters
  U+FFFE/U+FFFF are removed.

``xml_safe`` is the same rule for the way out: exports call it on stored text written before
the rule existed, so no stored value can make a sheet or a document fail.
"""

from __future__ import annotations

import re

__all__ = ["clean_text", "xml_safe"]

_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# C0 controls except \t and \n (\r is turned into \n first), DEL and C1, lone surrogates,
# and the two non-characters XML refuses.
_REMOVE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SINGLE_LINE_WS = re.compile("[\t\n]")


def clean_text(value: object, *, multiline: bool = True) -> str:
    """Return ``value`` as text without control characters (``None`` is ``""``).

    ``multiline=False`` is for one-line fields (names, titles): line breaks and tabs become
    single spaces there, so a name never carries a hidden line break.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    text = _LINE_BREAKS.sub("\n", text)
    text = _REMOVE.sub("", text)
    if not multiline:
        text = _SINGLE_LINE_WS.sub(" ", text)
    return text


def xml_safe(value: object) -> object:
    """Make a stored value writable into .xlsx/.docx: strings are cleaned, others pass through."""
    if isinstance(value, str):
        return clean_text(value)
    return value
