"""Template tags of the organisation cards that other apps' pages include (届期 due)."""

from django import template

from chengjiang.access import scope_path

from .. import selectors

register = template.Library()


@register.simple_tag
def terms_due_for(user):
    """The 换届 due or overdue in ``user``'s scope (``selectors.terms_due``)."""
    return selectors.terms_due(scope=scope_path(user))
