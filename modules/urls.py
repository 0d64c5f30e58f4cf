from django.urls import path

from modules import views, views_search

app_name = "modules"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("modules/<slug:slug>/", views.module_detail, name="detail"),
    path("modules/<slug:slug>/captions.vtt", views.captions, name="captions"),
    path("modules/<slug:slug>/transcript.txt", views.transcript_text, name="transcript_text"),
    path("modules/<slug:slug>/video", views.video, name="video"),
    path("modules/<slug:slug>/poster", views.poster, name="poster"),
    # Find and keep
    path("search/", views_search.search, name="search"),
    path("lookup/", views_search.lookup, name="lookup"),
]
