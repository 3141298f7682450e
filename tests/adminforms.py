"""Read an admin change form the way a browser would, so tests post the real formset data.

``form_data(html)`` returns the fields a browser would submit from the page's model form:
every input (checked boxes and radios only), every select's selected options and every
textarea, including each inline formset's management form. The empty-form templates
(``__prefix__``) are left out, as a browser leaves them out.
"""

from __future__ import annotations

from html.parser import HTMLParser


class _FormParser(HTMLParser):
    def __init__(self, form_id: str | None):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.depth = 0  # >0 while inside the wanted form
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._select_multiple = False
        self._select_values: list[str] = []
        self._select_first: str | None = None
        self._option_value: str | None = None
        self._option_selected = False
        self._option_text = ""
        self._in_option = False
        self._textarea: str | None = None
        self._textarea_text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            if self.depth:
                self.depth += 1
            elif self.form_id is None or attrs.get("id") == self.form_id:
                self.depth = 1
            return
        if not self.depth:
            return
        name = attrs.get("name")
        if tag == "input" and name and "disabled" not in attrs:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name and "disabled" not in attrs:
            self._select = name
            self._select_multiple = "multiple" in attrs
            self._select_values = []
            self._select_first = None
        elif tag == "option" and self._select is not None:
            self._in_option = True
            self._option_value = attrs.get("value")
            self._option_selected = "selected" in attrs
            self._option_text = ""
        elif tag == "textarea" and name and "disabled" not in attrs:
            self._textarea = name
            self._textarea_text = ""

    def handle_data(self, data):
        if self._in_option:
            self._option_text += data
        if self._textarea is not None:
            self._textarea_text += data

    def _end_option(self):
        if not self._in_option:
            return
        value = self._option_value if self._option_value is not None else self._option_text
        if self._select_first is None:
            self._select_first = value
        if self._option_selected:
            self._select_values.append(value)
        self._in_option = False

    def handle_endtag(self, tag):
        if tag == "form" and self.depth:
            self.depth -= 1
            return
        if not self.depth:
            return
        if tag == "option":
            self._end_option()
        elif tag == "select" and self._select is not None:
            self._end_option()
            values = self._select_values
            if not values and not self._select_multiple and self._select_first is not None:
                values = [self._select_first]  # a browser submits the first option
            self.fields.extend((self._select, v) for v in values)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = self._textarea_text
            if text.startswith("\n"):
                text = text[1:]
            self.fields.append((self._textarea, text))
            self._textarea = None


def form_fields(html: str, form_id: str | None = None) -> list[tuple[str, str]]:
    parser = _FormParser(form_id)
    parser.feed(html)
    return [(n, v) for n, v in parser.fields if "__prefix__" not in n]


def form_data(html: str, form_id: str | None = None) -> dict[str, str | list[str]]:
    """The submitted fields as a dict for the test client (repeated names become lists)."""
    data: dict[str, str | list[str]] = {}
    for name, value in form_fields(html, form_id):
        if name in data:
            current = data[name]
            data[name] = [*current, value] if isinstance(current, list) else [current, value]
        else:
            data[name] = value
    return data
