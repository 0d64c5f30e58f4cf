from django.urls import path

from quizzes import views

app_name = "quizzes"

urlpatterns = [
    path("modules/<slug:slug>/quiz/", views.take_quiz, name="take"),
    path("modules/<slug:slug>/quiz/attempts/<int:pk>/", views.attempt_result, name="attempt"),
    path("modules/<slug:slug>/progress", views.watch_progress, name="watch_progress"),
]
