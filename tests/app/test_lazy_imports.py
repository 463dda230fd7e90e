"""Web pages and management commands start without loading torch, chromadb or llama.cpp."""

import subprocess
import sys


def test_django_setup_does_not_import_heavy_libraries():
    code = (
        "import django, sys; django.setup(); import rag_app.urls, rag_app.documents.tasks; "
        "heavy = [m for m in ('torch', 'sentence_transformers', 'chromadb', 'llama_cpp') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
