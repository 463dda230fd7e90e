from rag_app.audit import detail_views, list_views

urlpatterns = [*list_views.urlpatterns, *detail_views.urlpatterns]
