from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("w/<str:ref>/projects/new", views.project_create, name="create"),
    path("w/<str:ref>/p/<str:slug>/", views.project_detail, name="detail"),
    path("w/<str:ref>/p/<str:slug>/edit", views.project_update, name="update"),
    path("w/<str:ref>/p/<str:slug>/delete", views.project_delete, name="delete"),
]
