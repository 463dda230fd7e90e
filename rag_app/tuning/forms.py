from django import forms
from django.conf import settings

from rag_app.documents.models import PROMPT_STYLE_CHOICES


class PromptStyleForm(forms.Form):
    """Choose how the collection's questions are put to the model."""

    style = forms.ChoiceField(choices=PROMPT_STYLE_CHOICES, required=False, label="Prompt style")
    examples = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false", "class": "code"}),
        required=False,
        label="Few-shot examples (JSON)",
        help_text="A list of {sources: [{title, page, text}], question, answer}; answers cite [n] or are UNANSWERABLE.",
    )
    preview_question = forms.CharField(required=False, max_length=500, label="Question for the preview")


class AdapterUploadForm(forms.Form):
    name = forms.CharField(max_length=100)
    file = forms.FileField(label="GGUF LoRA adapter", help_text="llama.cpp's adapter format, for the served model.")


class TrainingForm(forms.Form):
    name = forms.CharField(max_length=100, label="Adapter name")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The settings cap what one job may cost on this machine.
        steps, pairs = settings.TRAINING_MAX_STEPS, settings.TRAINING_MAX_PAIRS
        self.fields["steps"] = forms.IntegerField(
            min_value=1, max_value=steps, initial=min(30, steps), label="Training steps", help_text=f"At most {steps}."
        )
        self.fields["pairs"] = forms.IntegerField(
            min_value=1, max_value=pairs, initial=min(64, pairs), label="Pairs at most", help_text=f"At most {pairs}."
        )
