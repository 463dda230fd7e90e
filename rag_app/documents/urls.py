from django.urls import path

from rag_app.documents import views

urlpatterns = [
    path("", views.documents_page, name="rag-documents"),
    path("rows/", views.document_rows, name="rag-documents-rows"),
    path("upload/", views.upload_documents, name="rag-documents-upload"),
    path("collections/new/", views.create_collection, name="rag-collection-create"),
    path("<int:pk>/reingest/", views.reingest_document, name="rag-document-reingest"),
    path("<int:pk>/delete/", views.delete_document, name="rag-document-delete"),
    path("<int:pk>/file/", views.document_file, name="rag-document-file"),
]
