"""The tuning page: prompt style with its preview and checks, adapters uploaded and attached (no model needed)."""

import json

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from answering.lora import write_lora_adapter
from rag_app.documents.models import Collection
from rag_app.tuning.models import Adapter

pytestmark = pytest.mark.django_db

EXAMPLES = [
    {
        "sources": [{"title": "Boiler B7 manual", "page": 9, "text": "Bleed the radiators when the pressure drops."}],
        "question": "What if the pressure drops?",
        "answer": "Bleed the radiators [1].",
    }
]


@pytest.fixture
def collection():
    return Collection.objects.create(name="Boilers")


@pytest.fixture
def admin(client, role_user):
    client.force_login(role_user("admin"))
    return client


def _adapter_bytes(tmp_path, architecture="qwen2") -> bytes:
    weights = {"blk.0.attn_q.weight": (np.ones((2, 8), np.float32), np.zeros((8, 2), np.float32))}
    return write_lora_adapter(tmp_path / "a.gguf", architecture, weights, alpha=2).read_bytes()


def _post_style(client, collection, action, style="few-shot", examples=EXAMPLES, question=""):
    text = examples if isinstance(examples, str) else json.dumps(examples)
    data = {"style": style, "examples": text, "preview_question": question, "action": action}
    return client.post(reverse("rag-tuning-prompt", args=[collection.pk]), data)


def test_staff_cannot_open_the_tuning_page(client, role_user, collection):
    client.force_login(role_user("staff"))

    assert client.get(reverse("rag-tuning", args=[collection.pk])).status_code == 403


def test_an_admin_cannot_tune_a_collection_of_other_groups(admin, collection, django_user_model):
    from django.contrib.auth.models import Group

    collection.allowed_groups.add(Group.objects.create(name="other-team"))

    assert admin.get(reverse("rag-tuning", args=[collection.pk])).status_code == 404


def test_the_page_shows_the_builtin_examples_for_editing(admin, collection):
    response = admin.get(reverse("rag-tuning", args=[collection.pk]))

    assert response.status_code == 200
    assert "Heater H2 manual" in response.text


def test_the_preview_shows_the_exact_prompt_and_saves_nothing(admin, collection):
    response = _post_style(admin, collection, "preview", question="Why is the boiler loud?")

    assert "Preview: few-shot" in response.text
    assert "Bleed the radiators [1]." in response.text
    assert "Why is the boiler loud?" in response.text
    collection.refresh_from_db()
    assert (collection.prompt_style, collection.few_shot_examples) == ("", [])


def test_saving_stores_the_style_and_the_admins_examples(admin, collection):
    response = _post_style(admin, collection, "save")

    assert response.status_code == 302
    collection.refresh_from_db()
    assert collection.prompt_style == "few-shot"
    assert collection.few_shot_examples == EXAMPLES


def test_unchanged_builtin_examples_are_not_copied_into_the_collection(admin, collection):
    from answering.few_shot import builtin_examples

    _post_style(admin, collection, "save", style="chain-of-thought", examples=builtin_examples())

    collection.refresh_from_db()
    assert (collection.prompt_style, collection.few_shot_examples) == ("chain-of-thought", [])


def test_invalid_examples_are_refused_with_the_reason_and_nothing_changes(admin, collection):
    collection.prompt_style = "zero-shot"
    collection.save()
    broken = [{**EXAMPLES[0], "answer": "Bleed them [3]."}]

    response = _post_style(admin, collection, "save", examples=broken)

    assert response.status_code == 200
    assert "cites [3], but the example has 1 sources" in response.text
    collection.refresh_from_db()
    assert (collection.prompt_style, collection.few_shot_examples) == ("zero-shot", [])


def test_an_uploaded_adapter_is_stored_with_its_sha256_and_can_be_attached(admin, collection, tmp_path):
    import hashlib

    content = _adapter_bytes(tmp_path)
    upload = SimpleUploadedFile("tuned.gguf", content)

    response = admin.post(reverse("rag-tuning-upload", args=[collection.pk]), {"name": "tuned", "file": upload})

    assert response.status_code == 302
    adapter = Adapter.objects.get()
    assert (adapter.sha256, adapter.architecture, adapter.rank) == (hashlib.sha256(content).hexdigest(), "qwen2", 2)
    assert not adapter.is_attached
    admin.post(reverse("rag-tuning-adapter", args=[adapter.pk]), {"action": "attach"})
    adapter.refresh_from_db()
    assert adapter.is_attached


def test_attaching_one_adapter_detaches_the_other(admin, collection, tmp_path):
    from rag_app.tuning import services

    first = services.add_adapter(collection, "first", SimpleUploadedFile("a.gguf", _adapter_bytes(tmp_path)), "")
    services.attach_adapter(first)
    second = services.add_adapter(
        collection, "second", SimpleUploadedFile("b.gguf", _adapter_bytes(tmp_path, "llama")), ""
    )

    admin.post(reverse("rag-tuning-adapter", args=[second.pk]), {"action": "attach"})

    assert list(Adapter.objects.filter(is_attached=True)) == [second]


def test_a_model_file_is_refused_as_an_adapter(admin, collection, tmp_path):
    import gguf

    writer = gguf.GGUFWriter(str(tmp_path / "model.gguf"), "qwen2")
    writer.add_tensor("blk.0.attn_q.weight", np.zeros((4, 4), np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    upload = SimpleUploadedFile("model.gguf", (tmp_path / "model.gguf").read_bytes())

    response = admin.post(reverse("rag-tuning-upload", args=[collection.pk]), {"name": "m", "file": upload})

    assert "a model, not an adapter" in response.text
    assert not Adapter.objects.exists()


def test_a_file_that_is_not_gguf_is_refused(admin, collection):
    upload = SimpleUploadedFile("notes.gguf", b"%PDF-1.4 not an adapter")

    response = admin.post(reverse("rag-tuning-upload", args=[collection.pk]), {"name": "m", "file": upload})

    assert "not a GGUF file" in response.text
    assert not Adapter.objects.exists()


def test_an_adapter_for_another_architecture_than_the_served_model_is_refused(collection, tmp_path):
    from rag_app.tuning import services

    upload = SimpleUploadedFile("a.gguf", _adapter_bytes(tmp_path, "llama"))

    with pytest.raises(services.TuningError, match="for the llama architecture, but the served model is qwen2"):
        services.add_adapter(collection, "x", upload, "qwen2")


def test_training_beyond_the_caps_is_refused(admin, collection, settings):
    settings.TRAINING_MAX_STEPS = 5

    response = admin.post(reverse("rag-tuning-train", args=[collection.pk]), {"name": "t", "steps": 6, "pairs": 4})

    assert "less than or equal to 5" in response.text
    assert not collection.training_jobs.exists()
