"""The bulk import path: 100,000-row sheets, validated in batches, all or nothing.

``import_rows(resource, file, *, by, dry_run, progress=None)`` is the one entry (a background
job wraps it as it is). It reads the file as a stream (openpyxl ``read_only`` for xlsx, the csv
module for csv, UTF-8 or GBK), and validates it in batches of ``BATCH_SIZE`` rows with set-based
lookups: one query per batch for the names a batch holds (organisations, members), the stored
records its 编号 keys name, and the stored records it would repeat. The rules of one row are the
services' own, called per row without queries (the record's ``full_clean``,
``branches.services.meeting_checks``, ``chengjiang.access.check_route_scope``); the messages are
those of the one-row-at-a-time import (``chengjiang.importexport``), with the spreadsheet's row
numbers and column names. A record's ``full_clean`` goes through ``FieldChecks`` (the same checks
planned once per model; a refused record gets its own ``full_clean``, so the same messages).

``dry_run=True`` is the preview: counts (新增 / 修改 / 无变化 / 有误), every bad row, and the first
``PREVIEW_ROWS`` rows with their changed cells (new and changed rows first, then unchanged ones) —
a bounded page whatever the file's size. Without it, the batches are written as they are validated
(COPY on PostgreSQL — ``insert`` / ``insert_values``, ids taken from the sequence first —
``bulk_create`` elsewhere; ``bulk_update`` for changed records) inside one transaction that is
rolled back if any row of the file is bad: all or nothing, and the whole file is still checked so
that every bad row is named.

The audit trail gets one auditlog ``LogEntry`` per added or changed record, with the acting user,
the client address and the masked diff, written in bulk (COPY); auditlog's per-row signals
are off meanwhile (``disable_auditlog``). The dashboard's data version is bumped once.

A resource takes part by naming its bulk importer (``bulk_importer = MemberBulkImport``), a
``BulkImport`` subclass implementing ``prepare`` (the batch's lookups), ``check`` (one row) and
``write`` (the batch's records).
"""

from __future__ import annotations

import codecs
import contextlib
import contextvars
import copy
import csv
import datetime
import gc
import io
import itertools
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.encoding import smart_str
from django.utils.translation import gettext

from chengjiang import measures
from chengjiang.access import acting_user, scope_path
from chengjiang.importexport import (
    CONTROL_CHARS,
    KEY_COLUMN,
    MSG_DUPLICATE_IN_FILE,
    MSG_EMPTY_FILE,
    MSG_FILE_FAILED,
    MSG_FIXED_ON_UPDATE,
    MSG_REASON_SEP,
    MSG_ROW,
    MSG_TOO_MANY_ROWS,
    MSG_UNKNOWN_KEY,
    MSG_UNREADABLE,
    ChoiceLabelWidget,
    DateWidget,
    FormulaCell,
    ImportRefused,
    NameWidget,
    _parse_key,
    _unique,
    cell_problem,
    is_masked,
)
from chengjiang.importexport import (
    FORMULA_PREFIXES as PREFIXES,
)
from chengjiang.text import clean_text

BATCH_SIZE = 2000
_MISSING = object()
_RISKY = frozenset("=+-@\t\r'")
# what chengjiang.text.clean_text would change (it is called only on such text)
_NEEDS_CLEANING = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
PREVIEW_ROWS = 20
#: write with PostgreSQL's COPY where the database is PostgreSQL (``bulk_create`` otherwise;
#: the tests compare the two)
COPY = True
#: an audit entry's columns as ``BulkImport.audit`` lists them
AUDIT_COLUMNS = ("object_pk", "object_id", "object_repr", "action", "changes")
AUDIT_COLUMNS += ("content_type_id", "actor_id", "actor_email", "remote_addr", "cid", "timestamp")


def max_rows() -> int:
    return int(getattr(settings, "BULK_IMPORT_MAX_ROWS", 200_000))


# --- reading ----------------------------------------------------------------------------------


def _open(file):
    """A binary, seekable stream for a path, bytes or an uploaded file."""
    if isinstance(file, str | Path):
        return open(file, "rb")
    if isinstance(file, bytes | bytearray):
        return io.BytesIO(file)
    if hasattr(file, "open") and hasattr(file, "chunks"):  # an UploadedFile / File
        file.open("rb")
        return file.file if hasattr(file, "file") else file
    return file


def _is_xlsx(stream, name: str) -> bool:
    if name.lower().endswith(".xlsx"):
        return True
    if name.lower().endswith(".csv"):
        return False
    head = stream.read(4)
    stream.seek(0)
    return head[:2] == b"PK"


def _csv_encoding(stream) -> str:
    """utf-8-sig when every byte decodes as UTF-8, else GB18030 (Chinese Excel's CSV)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(1 << 20):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        encoding = "gb18030"
    stream.seek(0)
    return encoding


def _blank(values) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


@dataclass
class Sheet:
    headers: list[str]
    rows: Iterator[tuple[int, list]]  # (spreadsheet row number, header = 1; cells)
    total: int | None  # rows below the header, as far as the file tells before reading it
    close: Callable[[], None]


def read_rows(file, *, name: str = "") -> Sheet:
    """The file's header and its rows, read as a stream (blank rows skipped)."""
    stream = _open(file)
    name = name or str(getattr(file, "name", "") or "")
    try:
        if _is_xlsx(stream, name):
            return _read_xlsx(stream)
        return _read_csv(stream)
    except ImportRefused:
        raise
    except Exception as exc:
        raise ImportRefused(gettext(MSG_UNREADABLE)) from exc


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DATE_FORMAT_IDS = {14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 30, 36, 45, 46, 47, 50, 57}


def _column_index(ref: str) -> int:
    n = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            n = n * 26 + ord(ch) - 64
        else:
            break
    return n - 1


def _text(element) -> str:
    """The text of a shared or inline string: its <t> runs, without phonetic (<rPh>) runs."""
    return "".join(
        t.text or "" for t in element.iter(f"{_NS}t") if t.getparent().tag != f"{_NS}rPh"
    )


def _read_xlsx(stream) -> Sheet:
    """The active sheet, parsed with lxml as it is read (openpyxl's read-only mode reads about
    2,500 rows of ten cells a second; this reads the same cells several times faster). What it
    takes from the file is what ``SafeXLSX`` takes: values, dates by their number format, and
    formulas as ``FormulaCell``."""
    import posixpath
    import zipfile

    from lxml import etree
    from openpyxl.styles.numbers import is_date_format
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

    archive = zipfile.ZipFile(stream)
    names = set(archive.namelist())
    workbook = etree.fromstring(archive.read("xl/workbook.xml"))
    properties = workbook.find(f"{_NS}workbookPr")
    epoch = CALENDAR_WINDOWS_1900
    if properties is not None and properties.get("date1904") in ("1", "true"):
        epoch = CALENDAR_MAC_1904
    view = workbook.find(f"{_NS}bookViews/{_NS}workbookView")
    active = int(view.get("activeTab", 0)) if view is not None else 0
    sheets = workbook.findall(f"{_NS}sheets/{_NS}sheet")
    rel_id = sheets[min(active, len(sheets) - 1)].get(f"{_REL_NS}id")
    rels = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = next(r.get("Target") for r in rels if r.get("Id") == rel_id)
    path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    path = posixpath.normpath(path)

    shared = []
    if "xl/sharedStrings.xml" in names:
        with archive.open("xl/sharedStrings.xml") as f:
            for _event, si in etree.iterparse(f, tag=f"{_NS}si"):
                shared.append(_text(si))
                si.clear()
    date_styles = set()
    if "xl/styles.xml" in names:
        styles = etree.fromstring(archive.read("xl/styles.xml"))
        custom = {
            int(n.get("numFmtId")): n.get("formatCode", "")
            for n in styles.iterfind(f"{_NS}numFmts/{_NS}numFmt")
        }
        for index, xf in enumerate(styles.iterfind(f"{_NS}cellXfs/{_NS}xf")):
            fmt = int(xf.get("numFmtId", 0))
            if fmt in _DATE_FORMAT_IDS or (fmt in custom and is_date_format(custom[fmt])):
                date_styles.add(str(index))

    tag_v, tag_f, tag_is, tag_t = f"{_NS}v", f"{_NS}f", f"{_NS}is", f"{_NS}t"

    def value_of(c):
        kind = c.get("t", "n")
        text = None
        for child in c:  # one pass over <f>, <v>, <is>
            tag = child.tag
            if tag == tag_f:
                return FormulaCell("=" + (child.text or ""))
            if tag == tag_v:
                text = child.text
            elif tag == tag_is:
                if len(child) == 1 and child[0].tag == tag_t:
                    return child[0].text or ""
                return _text(child)
        if kind == "s":
            return shared[int(text)] if text is not None else None
        if text is None:
            return None
        if kind in ("str", "e", "inlineStr"):
            return text
        if kind == "b":
            return text == "1"
        number = float(text)
        if date_styles and c.get("s") in date_styles:
            return from_excel(number, epoch)
        return (
            int(number) if number.is_integer() and "." not in text and "E" not in text else number
        )

    letters: dict[str, int] = {}

    def rows():
        with archive.open(path) as f:
            for _event, row in etree.iterparse(f, tag=f"{_NS}row"):
                number = int(row.get("r", 0))
                cells = {}
                position = 0
                for c in row:
                    ref = c.get("r")
                    if ref:
                        column = ref.rstrip("0123456789")
                        position = letters.get(column)
                        if position is None:
                            position = letters[column] = _column_index(column)
                    cells[position] = value_of(c)
                    position += 1
                row.clear()
                while row.getprevious() is not None:
                    del row.getparent()[0]
                yield number, cells

    iterator = rows()
    try:
        _number, first = next(iterator)
    except StopIteration:
        archive.close()
        raise ImportRefused(gettext(MSG_EMPTY_FILE)) from None
    width = max(first) + 1 if first else 0
    headers = ["" if first.get(i) is None else str(first[i]).strip() for i in range(width)]

    def cells():
        for number, found in iterator:
            values = [found.get(i) for i in range(width)]
            if _blank(values):
                continue
            yield number, values

    with archive.open(path) as f:  # the sheet's declared size, for the progress bar only
        found = re.search(rb'<dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"', f.read(4096))
    total = int(found.group(1)) - 1 if found else None
    return Sheet(headers, cells(), total, archive.close)


def _read_csv(stream) -> Sheet:
    encoding = _csv_encoding(stream)
    total = max(0, sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b"")) - 1)
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    reader = csv.reader(text)
    try:
        headers = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ImportRefused(gettext(MSG_EMPTY_FILE)) from None
    width = len(headers)

    def cells():
        for number, row in enumerate(reader, start=2):
            values = [v if v != "" else None for v in row[:width]]
            if _blank(values):
                continue
            values += [None] * (width - len(values))
            yield number, values

    return Sheet(headers, cells(), total, text.detach)


# --- the result -------------------------------------------------------------------------------


@dataclass
class RowError:
    number: int  # the spreadsheet's row number (header = 1)
    reasons: list[str]
    label: str = ""  # the row's first cell (never a personal value)

    def line(self) -> str:
        reason = MSG_REASON_SEP.join(_unique(self.reasons))
        return str(MSG_ROW % {"number": self.number, "reason": reason})


@dataclass
class PreviewRow:
    number: int
    action: str  # new / update / skip
    cells: list[str]
    changed: list[bool]


@dataclass
class BulkResult:
    headers: list[str] = field(default_factory=list)
    total: int = 0
    counts: dict[str, int] = field(
        default_factory=lambda: {"new": 0, "update": 0, "skip": 0, "invalid": 0}
    )
    errors: list[RowError] = field(default_factory=list)
    preview: list[PreviewRow] = field(default_factory=list)
    written: bool = False
    audit_entries: int = 0

    def has_errors(self) -> bool:
        return bool(self.errors)

    def lines(self) -> list[str]:
        """One line per bad row, "第 N 行：reason；reason" (as ``importexport.row_reasons``)."""
        return [e.line() for e in self.errors]


# --- one row ----------------------------------------------------------------------------------


class RowInvalid(Exception):
    """Raised by a check: the row's errors are already recorded on it."""


class Row:
    """One data row on its way: its cells by column, what it sets, what is wrong with it."""

    __slots__ = ("action", "cells", "errors", "extra", "instance", "number", "original", "stored")

    def __init__(self, number: int, cells: dict):
        self.number = number
        self.cells = cells
        self.instance = None
        self.stored = None  # the stored record a 编号 names (locked in a write)
        self.original = None  # a copy of it before the row's cells were applied
        self.errors: dict[str, list[str]] = {}
        self.extra: dict = {}
        self.action = "new"

    def add(self, attribute: str, error) -> None:
        messages = error.messages if isinstance(error, ValidationError) else [str(error)]
        if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            for attr, errs in error.message_dict.items():
                self.errors.setdefault(attr, []).extend(errs)
            return
        self.errors.setdefault(attribute, []).extend(messages)

    def cell(self, column: str) -> str:
        value = self.cells.get(column)
        return "" if value is None else str(value).strip()


# --- the importer -----------------------------------------------------------------------------


class BulkImport:
    """Batches, keys, cells, preview, transaction and audit; subclasses hold the model's rules."""

    batch_size = BATCH_SIZE
    #: the fields written by bulk_update for a changed record
    update_fields: tuple[str, ...] = ()
    #: fields the importer sets itself from the row (not through a widget): compared for 无变化
    resolved_fields: tuple[str, ...] = ()

    def __init__(self, resource, *, by, remote_addr=None):
        if by is None:
            raise TypeError("an import needs its acting user (by=...)")
        self.resource = resource
        self.by = by
        self.user = acting_user(by)
        self.scope = scope_path(by) if self.user is not None else ""
        self.model = resource._meta.model
        self.remote_addr = remote_addr
        self.key_column = str(KEY_COLUMN)
        self.seen: dict[object, int] = {}
        self.log_entries: list = []
        self.written_pks: list = []  # every row created or changed, for records_bulk_written
        self.unchanged_preview: list = []  # shown when fewer rows change than the preview holds
        self.import_fields = [
            f
            for f in resource.get_import_fields()
            if f.attribute and "__" not in f.attribute and f.attribute != "pk" and not f.readonly
        ]
        self.columns = {str(f.column_name): f for f in resource.fields.values()}
        self.column_attrs = {
            column: f.attribute or name
            for name, f in resource.fields.items()
            for column in [str(f.column_name)]
        }
        self.plan = self._plan()
        self._column_names: dict[str, str] = {}
        self.audit_count = 0
        self.create_diff: CreateDiff | None = None

    # hooks ----------------------------------------------------------------------------------

    def prepare(self, rows: list[Row]) -> None:
        """The batch's set-based lookups (one query per kind of lookup)."""

    def check(self, row: Row) -> None:
        """The row's own rules (no queries); record errors with ``row.add``. Called for every
        row, also one with errors already (the one-row import then validates its fields only:
        ``full_clean`` without the columns already refused)."""

    def write(self, new: list[Row], changed: list[Row]) -> None:
        """Write the batch's records (bulk). It may hand ``self.audit_new(new)`` to an
        ``insert`` as ``meanwhile`` (the new records' pks known by then)."""

    def before_import_row(self, cells: dict) -> None:
        """The resource's ``before_import_row`` (the cells as read, changed in place)."""
        self.resource.before_import_row(cells)

    def duplicate_key(self, row: Row):
        return self.resource.duplicate_key(row.instance)

    def object_repr(self, instance) -> str:
        """The audit entry's ``object_repr``: ``str(instance)`` (a hook for a model whose
        ``__str__`` costs more than the rest of its row)."""
        return str(instance)

    # reading cells ----------------------------------------------------------------------------

    def column(self, name: str) -> str:
        """The column header of the resource's field ``name`` (a plain str, computed once)."""
        column = self._column_names.get(name)
        if column is None:
            column = self._column_names[name] = str(self.resource.fields[name].column_name)
        return column

    def column_label(self, attribute: str) -> str:
        return self.resource.column_label(attribute)

    def _plan(self) -> list:
        """Per import field, once: its column (a plain str, not a lazy one), its kind of reading."""
        plan = []
        for f in self.import_fields:
            model_field = self._model_field(f.attribute)
            text_field = isinstance(model_field, models.CharField | models.TextField)
            if isinstance(f.widget, NameWidget):
                kind, lookup = "name", None
            elif isinstance(f.widget, ChoiceLabelWidget):
                kind = "choice"
                lookup = {str(label): stored for stored, label in f.widget.choices.choices}
                lookup.update({stored: stored for stored, _label in f.widget.choices.choices})
            elif isinstance(f.widget, DateWidget):
                kind, lookup = "date", None
            else:
                kind, lookup = "other", None
            personal = f.attribute in self.resource.personal_fields
            plan.append((f, str(f.column_name), f.attribute, kind, lookup, text_field, personal))
        return plan

    def problems(self, cells: dict) -> dict:
        """``ScopedResourceMixin.cell_problems`` (the same messages), fast on ordinary cells."""
        found = {}
        for column, value in cells.items():
            if value is None or (
                type(value) is str and value[:1] not in _RISKY and not CONTROL_CHARS.search(value)
            ):
                continue
            attribute = self.column_attrs.get(column)
            if attribute is None:
                continue
            if (
                isinstance(value, str)
                and not isinstance(value, FormulaCell)
                and value[:1] == "'"
                and value[1:].startswith(PREFIXES)
                and CONTROL_CHARS.search(value) is None
            ):
                continue  # escaped by our export: checked against the stored value in parse
            reason = cell_problem(value)
            if reason:
                found[attribute] = ValidationError(reason)
        return found

    def parse(self, row: Row) -> None:
        """Cells to attribute values with the resource's widgets (names are looked up later)."""
        resource = self.resource
        cells = row.cells
        instance = row.stored if row.stored is not None else self.new_record()
        if row.stored is not None:
            row.original = copy.copy(row.stored)
            row.original._state = copy.copy(row.stored._state)
            row.original._state.fields_cache = dict(row.stored._state.fields_cache)
        row.instance = instance
        problems = self.problems(cells)
        if problems:  # the one-row import refuses such a row for these cells alone
            for attr, problem in problems.items():
                row.add(attr, problem)
            row.extra["refused_cells"] = True
            return
        self.before_import_row(cells)
        errors = row.errors
        for f, column, attribute, kind, lookup, text_field, personal in self.plan:
            if kind == "name" or column not in cells or attribute in errors:
                continue  # names are looked up per batch
            value = cells[column]
            if personal and is_masked(value):
                continue  # a masked cell keeps what is stored
            if type(value) is str and value[:1] == "'" and value[1:].startswith(PREFIXES):
                # escaped by our export: taken back only if it equals the stored value
                text = value[1:]
                if row.original is None or resource.export_field(f, row.original) != text:
                    row.add(attribute, ValidationError(cell_problem(text)))
                    continue
                value = text
            cleaned = _MISSING
            if kind == "choice":
                key = "" if value is None else str(value).strip()
                cleaned = "" if not key else lookup.get(key, _MISSING)
            elif kind == "date" and type(value) is str and len(value) == 10:
                with contextlib.suppress(ValueError):
                    cleaned = datetime.date.fromisoformat(value)
            if cleaned is _MISSING:
                try:
                    cleaned = f.widget.clean(value, row=cells)
                except (ValueError, TypeError, ArithmeticError) as exc:
                    row.add(attribute, ValidationError(str(exc)))
                    continue
            if cleaned is None and text_field:
                cleaned = ""
            if type(cleaned) is str and _NEEDS_CLEANING.search(cleaned):
                cleaned = clean_text(cleaned)
            setattr(instance, attribute, cleaned)

    def new_record(self):
        """``self.model()``: a copy of a record made once, where that is the same (no callable
        or mutable default, no ``__init__`` of the model's own, no init signal listened to)."""
        template = self.__dict__.get("_template", _MISSING)
        if template is _MISSING:
            template = self._template = self._make_template()
        if template is None:
            return self.model()
        record = self.model.__new__(self.model)
        record.__dict__.update(template)
        record._state = models.base.ModelState()
        return record

    def _make_template(self) -> dict | None:
        model = self.model
        signals = models.signals
        if (
            model.__init__ is not models.Model.__init__
            or signals.pre_init.has_listeners(model)
            or signals.post_init.has_listeners(model)
            or any(callable(f.default) for f in model._meta.concrete_fields if f.has_default())
        ):
            return None
        values = dict(model().__dict__)
        del values["_state"]
        immutable = (str, int, float, bool, type(None), datetime.date, datetime.time)
        if not all(isinstance(v, immutable) for v in values.values()):
            return None
        return values

    def _model_field(self, name: str):
        try:
            return self.model._meta.get_field(name)
        except Exception:
            return None

    def name_cell(self, row: Row, attribute: str, found: dict, what) -> object | None:
        """A foreign key named in the row (NameWidget's messages; None when blank)."""
        column = self.column(attribute)
        if column not in row.cells:
            return getattr(row.instance, attribute, None)
        text = row.cell(column)
        if not text:
            return None
        candidates = found.get(text, ())
        from chengjiang.importexport import MSG_AMBIGUOUS, MSG_NOT_FOUND

        if not candidates:
            row.add(attribute, gettext(MSG_NOT_FOUND) % {"what": what, "name": text})
        elif len(candidates) > 1:
            row.add(attribute, gettext(MSG_AMBIGUOUS) % {"what": what, "name": text})
        else:
            return candidates[0]
        return None

    # keys -------------------------------------------------------------------------------------

    def load_stored(self, rows: list[Row], *, lock: bool) -> None:
        """Each row's 编号 → the stored record, looked up within the user's scope (one query)."""
        keys = {}
        for row in rows:
            text = row.cell(self.key_column) if self.key_column in row.cells else ""
            if not text:
                continue
            value = row.cells.get(self.key_column)
            if isinstance(value, float) and value.is_integer():
                text = str(int(value))
            pk = _parse_key(text)
            if pk is None:
                row.add("key", gettext(MSG_UNKNOWN_KEY) % {"column": KEY_COLUMN, "key": text})
                continue
            keys[row] = (pk, text)
        if not keys:
            return
        queryset = self.stored_queryset().filter(pk__in={pk for pk, _t in keys.values()})
        if lock and transaction.get_connection().features.has_select_for_update_of:
            queryset = queryset.select_for_update(of=("self",))
        stored = {obj.pk: obj for obj in queryset}
        for row, (pk, text) in keys.items():
            obj = stored.get(pk)
            if obj is None:
                row.add("key", gettext(MSG_UNKNOWN_KEY) % {"column": KEY_COLUMN, "key": text})
                continue
            row.stored = obj
            row.action = "update"

    def stored_queryset(self):
        if self.user is None:  # the system (bench, loaders) sees every record
            return self.model._default_manager.all()
        return self.resource.get_queryset()

    def check_fixed(self, row: Row) -> None:
        if row.original is None:
            return
        for attr in self.resource.fixed_on_update:
            if getattr(row.instance, attr, None) != getattr(row.original, attr, None):
                row.add(attr, ValidationError(MSG_FIXED_ON_UPDATE))

    def order_errors(self, row: Row) -> None:
        """The cells' errors in the columns' order, as the one-row import reads a row (names
        are looked up after the other cells here, a batch at a time)."""
        order = {f.attribute: i for i, f in enumerate(self.resource.get_import_fields())}
        last = len(order)
        row.errors = dict(sorted(row.errors.items(), key=lambda item: order.get(item[0], last)))

    def check_repeat(self, row: Row) -> None:
        for key in (
            ("pk", row.stored.pk) if row.stored is not None else None,
            self.duplicate_key(row),
        ):
            if key is None:
                continue
            first = self.seen.setdefault(key, row.number)
            if first != row.number:
                row.add(NON_FIELD_ERRORS, gettext(MSG_DUPLICATE_IN_FILE) % {"number": first})

    def unchanged(self, row: Row) -> bool:
        """A stored record whose every imported cell equals what is stored."""
        if row.original is None:
            return False
        for f in self.import_fields:
            if str(f.column_name) not in row.cells:
                continue
            attr = f.attribute
            if isinstance(self._model_field(attr), models.ForeignKey):
                attr += "_id"
            if getattr(row.instance, attr, None) != getattr(row.original, attr, None):
                return False
        for name in self.resolved_fields:
            attname = self.model._meta.get_field(name).attname
            if getattr(row.instance, attname) != getattr(row.original, attname):
                return False
        for name in self.resource.compare_columns:
            f = self.resource.fields[name]
            column = str(f.column_name)
            if column not in row.cells:
                continue
            if row.cell(column) != str(self.export_cell(f, row.original) or "").strip():
                return False
        return True

    def export_cell(self, f, instance):
        return self.resource.export_field(f, instance)

    def preview_cell(self, f, row: Row):
        """What the export would show for the row once written (a hook for computed columns,
        which a record not yet written cannot compute from its related rows)."""
        return self.export_cell(f, row.instance)

    # preview ----------------------------------------------------------------------------------

    def preview_row(self, row: Row) -> PreviewRow:
        cells, changed = [], []
        compare = {self.resource.fields[name] for name in self.resource.compare_columns}
        for f in self.resource.get_import_fields():
            if f.attribute == "pk":
                continue
            # a compared column is read from the row (a new record has no related rows yet)
            value = row.cell(str(f.column_name)) if f in compare else self.preview_cell(f, row)
            before = self.export_cell(f, row.original) if row.original is not None else value
            cells.append("" if value is None else str(value))
            changed.append(row.original is not None and str(before) != str(value))
        return PreviewRow(row.number, row.action, cells, changed)

    # audit ------------------------------------------------------------------------------------

    def audit_values(self) -> tuple:
        """What every audit entry of the batch holds alike (AUDIT_COLUMNS' last six): read
        before the batch is written (the content type may need a query; ``audit`` makes none)."""
        from auditlog.cid import get_cid
        from auditlog.context import auditlog_value
        from django.contrib.contenttypes.models import ContentType

        content_type = ContentType.objects.get_for_model(self.model)
        try:
            context = auditlog_value.get()
        except LookupError:
            context = {}
        remote_addr = self.remote_addr or context.get("remote_addr")
        actor = self.user
        if self.create_diff is None:
            self.create_diff = CreateDiff(self.model)
        return (
            content_type.pk,
            getattr(actor, "pk", None),
            getattr(actor, "email", None) if actor else None,
            remote_addr or None,
            get_cid(),
            timezone.now(),
        )

    def audit_new(self, new: list[Row]) -> None:
        """The new records' audit entries, computed by ``write`` while the database takes the
        batch's rows (``insert``'s ``meanwhile``): then not computed again after the write."""
        self.audit(new)
        self.new_audited = True

    def audit(self, rows: Iterable[Row]) -> None:
        """One LogEntry per added or changed record, as auditlog's signal would write it (no
        query: ``audit_values`` has read what needs one)."""
        from auditlog.diff import model_instance_diff
        from auditlog.models import LogEntry

        create_diff = self.create_diff
        object_repr = self.object_repr
        create, update = LogEntry.Action.CREATE, LogEntry.Action.UPDATE
        same = self.batch_audit_values
        append = self.log_entries.append
        for row in rows:
            instance = row.instance
            if row.original is None:
                changes = create_diff(instance)
            else:
                changes = model_instance_diff(row.original, instance)
                if not changes:
                    continue
            pk = instance.pk
            action = update if row.original else create
            append((str(pk), pk, object_repr(instance), action, changes, *same))

    def flush_audit(self) -> None:
        from auditlog.models import LogEntry

        if self.log_entries:
            insert_values(
                LogEntry, self.log_entries, columns=AUDIT_COLUMNS, batch_size=self.batch_size
            )
            self.audit_count += len(self.log_entries)
        self.log_entries = []

    # the run ----------------------------------------------------------------------------------

    def batches(self, sheet: Sheet, result: BulkResult) -> Iterator[list[Row]]:
        headers = sheet.headers
        limit = max_rows()
        n = 0
        while True:
            chunk = list(itertools.islice(sheet.rows, self.batch_size))
            if not chunk:
                return
            n += len(chunk)
            if n > limit:
                raise ImportRefused(gettext(MSG_TOO_MANY_ROWS) % {"rows": limit})
            yield [Row(number, dict(zip(headers, values, strict=True))) for number, values in chunk]

    def run(self, sheet: Sheet, *, dry_run: bool, progress=None) -> BulkResult:
        result = BulkResult(headers=sheet.headers)
        known = [h for h in sheet.headers if h in self.columns]
        if not known:
            raise ImportRefused(gettext(MSG_FILE_FAILED))
        writing = not dry_run
        fixed_today = _TODAY.set(timezone.localdate())
        try:
            with frozen_heap():
                self.run_batches(sheet, result, writing=writing, progress=progress)
        finally:
            _TODAY.reset(fixed_today)
        result.counts["invalid"] = len(result.errors)
        return result

    def run_batches(self, sheet: Sheet, result: BulkResult, *, writing: bool, progress) -> None:
        from auditlog.context import disable_auditlog

        with transaction.atomic(), disable_auditlog():
            for rows in self.batches(sheet, result):
                self.run_batch(rows, result, writing=writing and not result.errors)
                result.total += len(rows)
                if progress is not None:
                    progress(result.total, max(sheet.total or 0, result.total))
            if not result.total:
                raise ImportRefused(gettext(MSG_EMPTY_FILE))
            room = PREVIEW_ROWS - len(result.preview)
            result.preview = sorted(
                result.preview + self.unchanged_preview[:room], key=lambda p: p.number
            )
            if writing and not result.errors:
                self.flush_audit()
                result.audit_entries = self.audit_count
                # cached figures and summaries of these records (chengjiang.worktasks) follow
                measures.records_bulk_written.send(sender=self.model, pks=self.written_pks)
                result.written = True
            else:
                transaction.set_rollback(True)
                self.log_entries = []

    def run_batch(self, rows: list[Row], result: BulkResult, *, writing: bool) -> None:
        self.load_stored(rows, lock=writing)
        for row in rows:
            if "key" not in row.errors:
                self.parse(row)
        live = [row for row in rows if "key" not in row.errors and "refused_cells" not in row.extra]
        self.prepare(live)
        for row in live:
            if row.errors:
                self.order_errors(row)
            # as the one-row import: a row whose cells could not be read is neither checked for
            # a changed fixed column nor counted as the first of a key (a later row with the
            # same key is then no repeat); ``check`` sees what was found so far
            if not row.errors:
                self.check_fixed(row)
            if not row.errors:
                self.check_repeat(row)
            self.check(row)
        new, changed = [], []
        for row in rows:
            if row.errors:
                result.errors.append(self.row_error(row))
                continue
            if row.original is not None and self.unchanged(row):
                row.action = "skip"
            result.counts[row.action] += 1
            # the preview: what the confirm will write first, unchanged rows only to fill it
            if row.action != "skip" and len(result.preview) < PREVIEW_ROWS:
                result.preview.append(self.preview_row(row))
            elif row.action == "skip" and len(self.unchanged_preview) < PREVIEW_ROWS:
                self.unchanged_preview.append(self.preview_row(row))
            if row.action == "new":
                new.append(row)
            elif row.action == "update":
                changed.append(row)
        if writing and not result.errors:
            # where the changed rows are before the write (measures' contract: the summary)
            measures.records_bulk_changing.send(
                sender=self.model, pks=[r.instance.pk for r in changed]
            )
            self.batch_audit_values = self.audit_values()
            self.new_audited = False
            self.write(new, changed)
            self.written_pks.extend(r.instance.pk for r in (*new, *changed))
            self.audit(changed if self.new_audited else itertools.chain(new, changed))
            if len(self.log_entries) >= self.batch_size:
                self.flush_audit()

    def row_error(self, row: Row) -> RowError:
        reasons = []
        for attribute, messages in row.errors.items():
            label = "" if attribute == NON_FIELD_ERRORS else self.column_label(attribute)
            reasons.extend(f"{label}：{m}" if label else str(m) for m in messages)
        first = next(iter(row.cells.values()), None) if row.cells else None
        return RowError(row.number, _unique(reasons), "" if first is None else str(first)[:60])


class CreateDiff:
    """auditlog's ``model_instance_diff(None, instance)`` for a new record, computed with the
    field list, defaults and masks looked up once per model instead of once per record."""

    def __init__(self, model):
        from auditlog.diff import get_field_value, get_mask_function, track_field
        from auditlog.registry import auditlog
        from django.utils.encoding import smart_str

        self.get_field_value = get_field_value
        self.reverse: list = []
        self.base: dict | None = None
        options = auditlog.get_model_fields(model)
        fields = [f for f in model._meta.get_fields() if track_field(f)]
        if options["include_fields"]:
            fields = [f for f in fields if f.name in options["include_fields"]]
        if options["exclude_fields"]:
            fields = [f for f in fields if f.name not in options["exclude_fields"]]
        mask = get_mask_function(options.get("mask_callable"))
        self.utc = settings.USE_TZ and datetime.UTC
        self.fields = []
        for f in fields:
            if isinstance(f, models.JSONField):
                kind = None  # auditlog's get_field_value
            elif isinstance(f, models.DateTimeField):
                kind = "datetime" if f.concrete else None
            elif f.concrete and not f.is_relation:
                kind = "plain"
            elif f.concrete and (f.many_to_one or f.one_to_one):
                kind = "fk"
            else:
                kind = None
            default = get_field_value(None, f)
            masked = mask if f.name in options["mask_fields"] else None
            shown = smart_str(default)
            if masked is not None:
                shown = masked(shown)
            attname = getattr(f, "attname", f.name)
            if f.name != attname and kind != "fk":
                kind = None
            entry = (f, attname, kind, default, shown, masked)
            (self.fields if f.concrete else self.reverse).append(entry)

    def __call__(self, instance) -> dict | None:
        if self.base is None:  # reverse relations read the same for every record
            self.base = {}
            for f, _attname, _kind, default, shown, masked in self.reverse:
                value = self.get_field_value(instance, f)
                if value != default:
                    self.base[f.name] = (shown, self.text(value, masked))
        diff = dict(self.base)
        utc = self.utc
        for f, attname, kind, default, shown, masked in self.fields:
            value = getattr(instance, attname)
            # as get_field_value: smart_str (str() for what is not bytes), the id of a foreign
            # key as it is, an aware datetime made naive in UTC
            if kind == "plain":
                if type(value) is not str:
                    value = smart_str(value) if isinstance(value, bytes) else str(value)
            elif kind == "fk":
                if value is not None and type(value) is not int and type(value) is not str:
                    value = smart_str(value, strings_only=True)
            elif kind == "datetime" and (value is None or type(value) is datetime.datetime):
                if value is not None and utc and value.utcoffset() is not None:
                    value = value.astimezone(utc).replace(tzinfo=None)
            else:
                value = self.get_field_value(instance, f)
            if value != default:
                if type(value) is not str:  # self.text, inline (20 fields of each record)
                    value = smart_str(value) if isinstance(value, bytes) else str(value)
                diff[f.name] = (shown, value if masked is None else masked(value))
        return diff or None

    @staticmethod
    def text(value, masked) -> str:
        if type(value) is not str:
            value = smart_str(value)
        return value if masked is None else masked(value)


#: the ``to_python`` of model fields that returns a value of these exact types unchanged
_SAME_VALUE = {
    models.CharField.to_python: (str,),
    models.TextField.to_python: (str,),
    models.DateField.to_python: (datetime.date,),
    models.IntegerField.to_python: (int,),
    models.BooleanField.to_python: (bool,),
}


class FieldChecks:
    """``Model.full_clean(exclude, validate_unique=False, validate_constraints=False)`` for
    records whose values the importer has already read into their fields' types: the same
    checks (blank, choices, null, every validator, then ``Model.clean``), planned once per
    model instead of going through ``Field.clean`` for each field of each row.

    The shortcut is taken only where it is sure to agree: a field whose ``to_python`` returns a
    value of that type as it is and whose ``validate`` is ``Field.validate``. Any other field
    goes through its own ``Field.clean`` as ``clean_fields`` does, and at the first refusal of
    a field the record's own ``full_clean`` is run from the start, so a refused record gets
    exactly its messages, in its order."""

    def __init__(self, model):
        from django.db.models.expressions import DatabaseDefault

        self.model = model
        self.database_default = DatabaseDefault
        self.plan = []
        for f in model._meta.fields:
            if f.generated:
                continue
            types = None
            if type(f).validate is models.Field.validate:
                types = _SAME_VALUE.get(type(f).to_python)
            choices = None
            if types is not None and f.choices is not None:
                keys = []
                for key, value in f.choices:
                    if isinstance(value, list | tuple):
                        keys.extend(k for k, _v in value)
                    else:
                        keys.append(key)
                if types == (str,) and all(type(k) is str for k in keys):
                    choices = frozenset(keys)
                else:
                    types = None  # choices compared by ``==`` only
            self.plan.append(
                (
                    f,
                    f.name,
                    f.attname,
                    types,
                    f.blank,
                    f.editable,
                    choices,
                    f.empty_values,
                    tuple(_planned(v) for v in f.validators),
                )
            )

    def __call__(self, instance, exclude=()) -> None:
        """Raise what ``instance.full_clean(exclude, False, False)`` raises (ValidationError
        with a message dict), or nothing."""
        if not self.fields_pass(instance, exclude):
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
            return
        try:
            instance.clean()
        except ValidationError as exc:
            raise ValidationError(exc.update_error_dict({})) from None

    def fields_pass(self, instance, exclude) -> bool:
        """``clean_fields`` found nothing (it has then set the same values)."""
        for f, name, attname, types, blank, editable, choices, empty, validators in self.plan:
            if name in exclude:
                continue
            value = getattr(instance, attname)
            if blank and value in empty:
                continue
            if types is None or type(value) not in types:
                if isinstance(value, self.database_default):
                    continue
                try:  # as clean_fields
                    setattr(instance, attname, f.clean(value, instance))
                except ValidationError:
                    return False
                continue
            # Field.clean: to_python returns the value as it is; Field.validate
            if editable:
                if choices is not None and value not in choices and value not in empty:
                    return False
                if not blank and value in empty:
                    return False
            # Field.run_validators (a bound's comparison inline, any other validator called)
            if value not in empty:
                for kind, limit in validators:
                    if kind is None:
                        try:
                            limit(value)
                        except ValidationError:
                            return False
                    elif kind == "max_length":
                        if len(value) > limit:
                            return False
                    elif kind == "min":
                        if value < limit:
                            return False
                    elif value > limit:  # max
                        return False
        return True


def _planned(validator) -> tuple:
    """A validator as (kind, limit) for ``FieldChecks``: Django's length and value bounds
    (and subclasses that keep their comparison) with a fixed limit are compared inline —
    ``BaseValidator`` refuses exactly when ``compare(clean(value), limit)`` — any other is
    (None, validator), called."""
    from django.core import validators as v

    kind = type(validator)
    if (
        isinstance(validator, v.BaseValidator)
        and kind.__call__ is v.BaseValidator.__call__
        and not callable(validator.limit_value)
    ):
        for base, name in (
            (v.MaxLengthValidator, "max_length"),
            (v.MinValueValidator, "min"),
            (v.MaxValueValidator, "max"),
        ):
            if (
                isinstance(validator, base)
                and kind.compare is base.compare
                and kind.clean is base.clean
            ):
                return name, validator.limit_value
    return None, validator


def _copies(connection) -> bool:
    return COPY and connection.vendor == "postgresql"


def _plain_pre_save(f) -> bool:
    """``f.pre_save(obj, add=True)`` is ``getattr(obj, f.attname)``."""
    if type(f).pre_save is models.Field.pre_save:
        return True
    dated = (models.DateField.pre_save, models.DateTimeField.pre_save, models.TimeField.pre_save)
    return type(f).pre_save in dated and not (f.auto_now or f.auto_now_add)


def insert(model, objs: list, *, batch_size: int = BATCH_SIZE, meanwhile=None) -> None:
    """``bulk_create``, with PostgreSQL's COPY where the database is PostgreSQL: ids are taken
    from the table's own sequence first (one query), so every object knows its pk after.

    ``meanwhile()``: the client's own work (no query), done once the objects have their pks
    and, with COPY, before the COPY is finished: while the database takes the rows sent."""
    from django.db import connections, router

    alias = router.db_for_write(model)
    connection = connections[alias]
    if not _copies(connection) or not objs:
        model._default_manager.bulk_create(objs, batch_size=batch_size)
        if meanwhile is not None:
            meanwhile()
        return
    from psycopg.types.json import Jsonb

    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.generated]  # the database computes those
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objs)],
        )
        ids = [r[0] for r in cursor.fetchall()]
        for obj, pk in zip(objs, ids, strict=True):
            obj.pk = pk
        # each field's pre_save: the attribute as it is, but where a field computes its value
        # (auto_now, files, a pre_save of its own)
        computed = [(i, f) for i, f in enumerate(fields) if not _plain_pre_save(f)]
        json_at = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
        ip_at = [i for i, f in enumerate(fields) if isinstance(f, models.GenericIPAddressField)]
        attnames = [f.attname for f in fields]
        get = operator.attrgetter(*attnames) if len(attnames) > 1 else None
        columns = ", ".join(quote(f.column) for f in fields)
        with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                row = list(get(obj)) if get is not None else [getattr(obj, attnames[0])]
                for i, f in computed:
                    row[i] = f.pre_save(obj, add=True)
                for i in json_at:
                    if row[i] is not None:
                        row[i] = Jsonb(row[i])
                for i in ip_at:
                    if row[i] == "":
                        row[i] = None
                copy.write_row(row)
            for obj in objs:
                obj._state.adding = False
                obj._state.db = alias
            if meanwhile is not None:
                meanwhile()


def insert_values(
    model,
    rows: list,
    *,
    columns: Sequence[str] | None = None,
    batch_size: int = BATCH_SIZE,
    meanwhile=None,
) -> None:
    """Insert rows given as {attname: value}, or as tuples of the ``columns`` (attnames) in
    that order (no model instances: the ids are not needed); the fields a row leaves out take
    their defaults. COPY on PostgreSQL, bulk_create elsewhere. ``meanwhile``: as ``insert``."""
    from django.db import connections, router

    if not rows:
        if meanwhile is not None:
            meanwhile()
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]
    defaults = {f.attname: f.get_default() for f in fields}
    if columns is None:  # dicts: every field, each row's value or the default
        names = [f.attname for f in fields]
        rows = [tuple(row[n] if n in row else defaults[n] for n in names) for row in rows]
        columns = names
    columns = list(columns)
    rest = [f.attname for f in fields if f.attname not in columns]
    if not _copies(connection):
        rest_values = {name: defaults[name] for name in rest}
        model._default_manager.bulk_create(
            [model(**dict(zip(columns, row, strict=True)), **rest_values) for row in rows],
            batch_size=batch_size,
        )
        if meanwhile is not None:
            meanwhile()
        return
    from psycopg.types.json import Jsonb

    by_name = {f.attname: f for f in fields}
    quote = connection.ops.quote_name
    json_at = [i for i, n in enumerate(columns) if isinstance(by_name[n], models.JSONField)]
    tail = tuple(
        Jsonb(defaults[n])
        if isinstance(by_name[n], models.JSONField) and defaults[n] is not None
        else defaults[n]
        for n in rest
    )
    sql_columns = ", ".join(quote(by_name[n].column) for n in (*columns, *rest))
    with connection.cursor() as cursor:
        copy_sql = f"COPY {quote(model._meta.db_table)} ({sql_columns}) FROM STDIN"
        with cursor.cursor.copy(copy_sql) as copy:
            write = copy.write_row
            for row in rows:
                if json_at:
                    row = list(row)
                    for i in json_at:
                        if row[i] is not None:
                            row[i] = Jsonb(row[i])
                write((*row, *tail))
            if meanwhile is not None:
                meanwhile()


def import_rows(resource, file, *, by, dry_run: bool, progress=None, name: str = "", **kwargs):
    """Import a sheet through ``resource``'s bulk importer (see the module docstring).

    ``resource``: a resource class or instance (built with ``user=by`` when a class);
    ``file``: a path, bytes or an uploaded file (xlsx or csv); ``progress(done, total)``.
    Raises ``ImportRefused`` for a file refused as a whole; returns a ``BulkResult``.
    """
    if isinstance(resource, type):
        resource = resource(user=acting_user(by))
    importer = resource.bulk_importer(resource, by=by, **kwargs)
    sheet = read_rows(file, name=name)
    try:
        return importer.run(sheet, dry_run=dry_run, progress=progress)
    finally:
        sheet.close()


@contextlib.contextmanager
def frozen_heap():
    """The objects alive before the import left out of the cyclic garbage collector's
    collections while it runs (``gc.freeze``), and given back to it after. The rows of a large
    file allocate enough for many full collections, each of which went through every object
    of the process (Django's own included): a quarter of a meeting import's CPU time. What the
    import itself allocates is collected as before."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


#: the day an import running in this context started (``today``); None outside an import
_TODAY: contextvars.ContextVar[datetime.date | None] = contextvars.ContextVar(
    "bulk_import_today", default=None
)


def today() -> datetime.date:
    """``timezone.localdate()``, read once per import while one runs in this context (the
    records' ``clean`` refuse a date after today for each of 100,000 rows; the current time zone
    is a thread-local read each time)."""
    fixed = _TODAY.get()
    return timezone.localdate() if fixed is None else fixed
