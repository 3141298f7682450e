"""Template context for every page: the navigation, built from URL names that exist."""

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# (label, url name, who sees it: None = every signed-in user, "staff" = admin users)
NAVIGATION = (
    (_("Home"), "branches:home", None),
    (_("Meetings"), "branches:meeting_list", None),
    (_("Talks"), "branches:talk_list", None),
    (_("Team building"), "cadres:home", None),
    (_("Training"), "training:calendar", None),
    (_("Dashboard"), "worktasks:dashboard", None),
    (_("Year-end summary"), "worktasks:report_current", None),
    (_("Background jobs"), "jobs:list", None),
    (_("Administration"), "admin:index", "staff"),
)


def portal(request):
    nav = []
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        current = request.path
        for label, name, who in NAVIGATION:
            if who == "staff" and not user.is_staff:
                continue
            try:
                url = reverse(name)
            except NoReverseMatch:
                continue
            active = current == url or (url != "/" and current.startswith(url))
            nav.append({"label": label, "url": url, "active": active})
    return {"ADMIN_SITE_HEADER": settings.ADMIN_SITE_HEADER, "nav_items": nav}
