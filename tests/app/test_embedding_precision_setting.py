"""EMBEDDING_BFLOAT16 reaches the ingestion package: empty leaves the choice to the CPU, true or false forces it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
PRINT_IT = (
    "import django; django.setup(); "
    "from rag_app.documents.pipeline_settings import embed_config; print(embed_config().bfloat16)"
)


@pytest.mark.parametrize(("value", "printed"), [("", "None"), ("false", "False"), ("true", "True"), ("0", "False")])
def test_the_setting_is_read_from_the_environment(value, printed, tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "rag_app.settings", "DATA_DIR": str(tmp_path)}
    env["EMBEDDING_BFLOAT16"] = value
    result = subprocess.run([sys.executable, "-c", PRINT_IT], cwd=ROOT, env=env, capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == printed
