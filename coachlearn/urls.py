from django.contrib import admin
from django.urls import include, path

from coachlearn import views

urlpatterns = [
    path("", include("learning.urls")),
    path("", include("modules.urls")),
    path("", include("quizzes.urls")),
    path("", include("certificates.urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    # One sign-in for everyone: the admin's own login form would bypass rate limits and 2FA.
    path("admin/login/", views.admin_login),
    path("admin/", admin.site.urls),
    path("healthz", views.health, name="health"),
    path("readyz", views.ready, name="ready"),
    path("metrics", views.metrics, name="metrics"),
]

handler404 = "coachlearn.views.not_found"
