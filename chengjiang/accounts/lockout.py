"""What a locked-out login sees (django-axes' AXES_LOCKOUT_CALLABLE): a plain Chinese answer,
status 429, naming neither the failure count nor whether the username exists."""

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

MSG_LOCKED = _(
    "Too many failed logins: signing in with this account from this address is locked for a "
    "while. Try again later, or ask the sub-district office to unlock it."
)


def lockout_response(request, original_response=None, credentials=None, *args, **kwargs):
    return HttpResponse(str(MSG_LOCKED), status=429, content_type="text/plain; charset=utf-8")
