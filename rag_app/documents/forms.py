from django import forms

from rag_app.documents.models import Collection


class CollectionForm(forms.ModelForm):
    class Meta:
        model = Collection
        fields = ["name", "description"]
        widgets = {"description": forms.TextInput(attrs={"placeholder": "Optional"})}
