"""Downloads that become jobs above a size: the page that would make the file in the request
starts a job instead and sends the person to its progress page."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import redirect

from .services import job_start


def scope_size(path: str) -> int:
    """The organisations in the scope: what the year-end files' cost grows with (each figure is
    aggregated over the subtree)."""
    from chengjiang.tree import organization_model

    return organization_model().objects.within(path).count()


def offload_year_file(request, kind: str, year: int, path: str, org):
    """A redirect to a new job's page when the scope is larger than JOB_SYNC_MAX_ORGS (or the
    person asked for it with ``?background=1``); None to make the file now."""
    if request.GET.get("background") != "1" and scope_size(path) <= settings.JOB_SYNC_MAX_ORGS:
        return None
    params = {"year": year}
    if request.GET.get("org") and org is not None:
        params["org"] = org.pk
    try:
        job = job_start(kind=kind, params=params, by=request.user)
    except ValidationError:
        return None  # not allowed as a job: the request makes it (and checks it) as before
    return redirect(job)


def offload_admin_export(admin, file_format, request, queryset, export_form=None):
    """The admin's export of more than JOB_SYNC_MAX_ROWS rows: a job (the same resource, scope,
    masks, chosen columns and chosen rows) and a redirect to its page; None to export now. An
    export of full personal data stays in the request (it records the reason with the
    request's address)."""
    from .kinds import FORMATS, export_key

    if queryset.count() <= settings.JOB_SYNC_MAX_ROWS:
        return None
    resource_class = admin.choose_export_resource_class(export_form, request)
    key = export_key(resource_class)
    fmt = file_format.get_extension()
    kwargs = admin.get_export_resource_kwargs(request, export_form=export_form)
    if key is None or fmt not in FORMATS or kwargs.get("full_values"):
        return None
    params = {"resource": key, "format": fmt}
    fields = admin.get_export_resource_fields_from_form(export_form)
    if fields:
        params["fields"] = list(fields)
    everything = resource_class(user=request.user).get_queryset()
    if queryset.count() != everything.count():
        params["pks"] = list(queryset.values_list("pk", flat=True))
    try:
        job = job_start(kind="export", params=params, by=request.user)
    except ValidationError:
        return None
    return redirect(job)
