"""The portal's URLs plus one view that fails, for the error-page tests."""

from django.urls import path

from chengjiang.urls import handler403, handler404, handler500, urlpatterns  # noqa: F401


def boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("boom/", boom), *urlpatterns]
