"""Build the LLM configuration and generation parameters from Django settings."""

from django.conf import settings

from answering.llm import ChatModel, GenerationParams, LLMConfig, load_chat_model


def llm_config() -> LLMConfig:
    return LLMConfig(
        model_path=settings.LLM_MODEL_PATH,
        models_dir=str(settings.MODELS_DIR),
        base_url=settings.LLM_BASE_URL,
        remote_model_name=settings.LLM_MODEL_NAME,
        api_key=settings.LLM_API_KEY,
        n_ctx=settings.LLM_CONTEXT_SIZE,
        n_threads=settings.LLM_THREADS,
    )


def chat_model() -> ChatModel:
    """Return the process-wide chat model (loaded on first use)."""
    return load_chat_model(llm_config())


def generation_params() -> GenerationParams:
    return GenerationParams(
        temperature=settings.LLM_TEMPERATURE,
        max_tokens=settings.LLM_MAX_TOKENS,
        stop=tuple(settings.LLM_STOP),
        seed=settings.LLM_SEED,
    )
