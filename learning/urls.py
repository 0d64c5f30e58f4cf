"""A learner's pages that read every layer: the module page and My learning."""

from django.urls import path

from learning import views

urlpatterns = [
    path("modules/<slug:slug>/", views.module_page, name="module_page"),
    path("me/", views.my_learning, name="my_learning"),
]
