from django.contrib import admin

from rag_app.documents import services
from rag_app.documents.models import Chunk, Collection, Document


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ["name", "allow_general_knowledge", "created_at"]
    search_fields = ["name"]
    filter_horizontal = ["allowed_groups"]

    def delete_model(self, request, obj):
        services.delete_collection(obj)

    def delete_queryset(self, request, queryset):
        for collection in queryset:
            services.delete_collection(collection)


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "collection", "status", "progress", "page_count", "chunk_count", "created_at"]
    list_filter = ["status", "collection", "kind"]
    search_fields = ["title", "original_name", "sha256"]
    readonly_fields = ["sha256", "size_bytes", "kind", "generation", "created_at", "updated_at", "ingested_at"]

    def delete_model(self, request, obj):
        services.delete_document(obj)

    def delete_queryset(self, request, queryset):
        for document in queryset:
            services.delete_document(document)


@admin.register(Chunk)
class ChunkAdmin(admin.ModelAdmin):
    list_display = ["document", "ordinal", "page_start", "page_end", "token_count"]
    list_filter = ["document__collection"]
    search_fields = ["text", "vector_id"]
    readonly_fields = ["vector_id"]
