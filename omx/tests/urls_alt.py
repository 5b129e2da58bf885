"""A second URL configuration, for the tests of omx.routing."""

from django.http import HttpResponse
from django.urls import path

urlpatterns = [path("elsewhere/", lambda request: HttpResponse(), name="alt-home")]
