"""Every admin that imports and exports: its pages answer in Chinese and its export is a file named
in Chinese with a Chinese sheet name, masked, and carrying the 编号 column."""

import io
from urllib.parse import unquote

import openpyxl
import pytest
from django.contrib import admin
from django.urls import reverse

from chengjiang.importexport import ScopedImportExportMixin

ADMINS = sorted(
    (m._meta.app_label, m._meta.model_name)
    for m, a in admin.site._registry.items()
    if isinstance(a, ScopedImportExportMixin)
)


@pytest.mark.parametrize(("app", "model"), ADMINS, ids=["_".join(x) for x in ADMINS])
def test_import_and_export_pages_and_file(tree, users, login, app, model):
    client = login(users.office)
    page = client.get(reverse(f"admin:{app}_{model}_import")).content.decode()
    assert "编号" in page
    form = client.get(reverse(f"admin:{app}_{model}_export"))
    assert form.status_code == 200
    fields = {
        name: "on"
        for name, field in form.context["form"].fields.items()
        if getattr(field, "is_selectable_field", False)
    }
    response = client.post(
        reverse(f"admin:{app}_{model}_export"), {"format": "0", "resource": "0", **fields}
    )
    assert response.status_code == 200, response.content.decode()[-1500:]
    filename = unquote(response["Content-Disposition"].split("''", 1)[1])
    stem = filename.removesuffix(".xlsx")
    assert stem != filename and not any(c.isascii() and c.isalpha() for c in stem), filename
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.title != "Tablib Dataset" and not sheet.title.isascii()
    headers = [c.value for c in sheet[1]]
    assert "编号" in headers and all(not str(h).isascii() for h in headers), headers
