from django.urls import path

from modules import views, views_saved, views_search

app_name = "modules"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("modules/<slug:slug>/captions.vtt", views.captions, name="captions"),
    path("modules/<slug:slug>/transcript.txt", views.transcript_text, name="transcript_text"),
    path("modules/<slug:slug>/video", views.video, name="video"),
    path("modules/<slug:slug>/poster", views.poster, name="poster"),
    path("modules/<slug:slug>/hls/<str:run>/<path:name>", views.hls, name="hls"),
    # Find and keep
    path("search/", views_search.search, name="search"),
    path("lookup/", views_search.lookup, name="lookup"),
    path("me/searches/", views_saved.saved_searches, name="saved_searches"),
    path("me/searches/new/", views_saved.saved_search_create, name="saved_search_create"),
    path(
        "me/searches/<int:pk>/rename/", views_saved.saved_search_rename, name="saved_search_rename"
    ),
    path(
        "me/searches/<int:pk>/delete/", views_saved.saved_search_delete, name="saved_search_delete"
    ),
    path("me/courses/", views_saved.saved_courses, name="saved_courses"),
    path("me/courses/<slug:slug>/save/", views_saved.course_save, name="course_save"),
    path("me/courses/<slug:slug>/remove/", views_saved.course_remove, name="course_remove"),
]
