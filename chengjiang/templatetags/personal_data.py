"""Template tags that show personal values through chengjiang.personal_data (masked or logged).

{% load personal_data %}
{% id_number member %}        {# member.id_number, masked unless permitted; full views logged #}
{% phone member %}            {# member.phone #}
{% phone leader "mobile" %}   {# another field name #}
"""

from django import template

from chengjiang import personal_data

register = template.Library()


def _args(context, obj, field):
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return user, getattr(obj, field, ""), request


@register.simple_tag(takes_context=True)
def id_number(context, obj, field="id_number"):
    user, value, request = _args(context, obj, field)
    return personal_data.display_id_number(user, value, obj=obj, field=field, request=request)


@register.simple_tag(takes_context=True)
def phone(context, obj, field="phone"):
    user, value, request = _args(context, obj, field)
    return personal_data.display_phone(user, value, obj=obj, field=field, request=request)
