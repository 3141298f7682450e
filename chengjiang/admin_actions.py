"""Admin actions that need a form first ("form, then act"), one way for every app.

The office selects records on a changelist, picks an action, fills one small form (a date, a
reason, a new parent …) and confirms. ``form_then_act`` applies that one decision to every selected
record in one transaction: all are recorded or none, and each refusal is shown on the form, which
keeps what was typed. The page is one template (``admin/action_form.html``) so its texts translate.

``act_on_each`` is for actions without a form whose records are independent decisions (approve the
selected meetings): each record is done or refused on its own, and the refusals are named.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

ACTION_FORM_TEMPLATE = "admin/action_form.html"
MSG_REFUSED_FOR = _("%(name)s: %(reason)s")
MSG_ONE_AT_A_TIME = _("Select exactly one record for this step: its figures are its own.")


def error_text(exc: ValidationError) -> str:
    return "；".join(str(m) for m in exc.messages)


def action_form_page(
    request,
    model_admin,
    *,
    title,
    intro,
    form,
    objects: Iterable = (),
    notes: Iterable = (),
    action: str | None = None,
    cancel_url: str | None = None,
    describe: Callable | None = None,
) -> TemplateResponse:
    """The one page every form-first admin action shows (also for a single record's own form)."""
    objects = list(objects)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "notes": list(notes),
        "form": form,
        "objects": objects,
        "described": [describe(o) if describe else str(o) for o in objects],
        "action": action,
        "cancel_url": cancel_url,
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, ACTION_FORM_TEMPLATE, context)


def form_then_act(
    model_admin,
    request,
    queryset,
    *,
    form_class,
    title,
    intro,
    act: Callable,
    notes: Iterable = (),
    form_kwargs: dict | None = None,
    one_at_a_time: bool = False,
    describe: Callable | None = None,
    done_message=None,
):
    """Show ``form_class`` for the selected records; on a valid form run ``act(obj, data)`` on each.

    All or none: any refusal rolls every record back and is shown on the form (named by record
    when several were selected). ``done_message`` (with ``%(record)s`` and ``%(status)s``) names
    each record afterwards; otherwise one message counts them.
    """
    objects = list(queryset)
    if one_at_a_time and len(objects) != 1:
        messages.warning(request, MSG_ONE_AT_A_TIME)
        return None
    form_kwargs = form_kwargs or {}
    if "apply" in request.POST:
        form = form_class(request.POST, **form_kwargs)
        if form.is_valid():
            refusals, results = [], []
            with transaction.atomic():
                for obj in objects:
                    try:
                        results.append(act(obj, form.cleaned_data) or obj)
                    except ValidationError as exc:
                        refusals.append((obj, exc))
                if refusals:
                    transaction.set_rollback(True)
            if not refusals:
                _say_done(request, results, title=title, done_message=done_message)
                return None
            for obj, exc in refusals:
                for message in exc.messages:
                    if len(objects) > 1:
                        message = gettext(MSG_REFUSED_FOR) % {"name": obj, "reason": message}
                    form.add_error(None, message)
    else:
        form = form_class(**form_kwargs)
    return action_form_page(
        request,
        model_admin,
        title=title,
        intro=intro,
        form=form,
        objects=objects,
        notes=notes,
        action=request.POST.get("action", ""),
        describe=describe,
    )


def act_on_each(request, queryset, act: Callable, *, title, done_message=None) -> None:
    """Apply ``act(obj)`` to each record on its own; say what was done and why any was refused."""
    results = []
    for obj in queryset:
        try:
            with transaction.atomic():
                results.append(act(obj) or obj)
        except ValidationError as exc:
            messages.error(
                request, gettext(MSG_REFUSED_FOR) % {"name": obj, "reason": error_text(exc)}
            )
    if results:
        _say_done(request, results, title=title, done_message=done_message)


def _say_done(request, results, *, title, done_message) -> None:
    if done_message is not None:
        for record in results:
            messages.success(
                request,
                gettext(done_message) % {"record": record, "status": record.get_status_display()},
            )
        return
    messages.success(
        request,
        ngettext(
            "%(title)s recorded for %(count)d record.",
            "%(title)s recorded for %(count)d records.",
            len(results),
        )
        % {"title": title, "count": len(results)},
    )
