"""Helpers for the import tests: datasets whose headers are the resources' own column names."""

import tablib
from django.utils import translation
from import_export.formats.base_formats import XLSX


def columns(resource_cls, *attrs):
    resource = resource_cls()
    with translation.override("zh-hans"):
        return [str(resource.fields[a].column_name) for a in attrs]


def dataset(resource_cls, attrs, rows, *, xlsx=False):
    data = tablib.Dataset(headers=columns(resource_cls, *attrs))
    for row in rows:
        data.append(row)
    if xlsx:
        return XLSX().create_dataset(XLSX().export_data(data))
    return data
