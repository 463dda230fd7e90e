from django import forms

from rag_app.documents.models import Collection

BOTH = "both"


class EvaluationForm(forms.Form):
    """Upload a question file and say how to run it."""

    collection = forms.ModelChoiceField(queryset=Collection.objects.all())
    questions = forms.FileField(help_text="JSON Lines: one question per line.")
    mode = forms.ChoiceField(
        choices=[("rag", "RAG"), ("prompt-only", "Prompt only"), (BOTH, "Both")],
        initial="rag",
    )
    k = forms.IntegerField(min_value=1, max_value=50, initial=5, label="Top k")
    retrieval_only = forms.BooleanField(required=False, help_text="Score retrieval without generating answers.")
    is_guard = forms.BooleanField(
        required=False, label="Regression guard", help_text="Re-run this set whenever a manual here is ingested."
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only collections the admin can read: a restricted collection's manuals stay with its groups.
        self.fields["collection"].queryset = Collection.objects.readable_by(user)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("retrieval_only") and cleaned.get("mode") == "prompt-only":
            raise forms.ValidationError("Prompt-only mode retrieves nothing, so it cannot run retrieval-only.")
        return cleaned

    @property
    def modes(self) -> list[str]:
        mode = self.cleaned_data["mode"]
        return ["rag", "prompt-only"] if mode == BOTH else [mode]
