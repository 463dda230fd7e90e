"""Train a LoRA adapter for a GGUF base model on a manual's own text, on the CPU, and write it for llama.cpp.

Plain Python like ``answering`` (which it uses, never the other way round); a Celery task
calls it. torch, transformers and peft are imported only inside the functions that train,
so importing this package costs nothing.
"""
