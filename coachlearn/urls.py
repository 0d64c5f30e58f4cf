from django.contrib import admin
from django.urls import include, path

from coachlearn import views

urlpatterns = [
    path("", include("modules.urls")),
    path("admin/", admin.site.urls),
    path("healthz", views.health, name="health"),
]

handler404 = "coachlearn.views.not_found"
