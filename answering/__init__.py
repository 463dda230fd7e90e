"""Answer questions from stored manuals: retrieval, prompts, the LLM client, citations, metrics.

Plain Python like ``ingestion`` (which it may use, never the other way round), shared by the
web app, workers, commands and benchmarks.
"""
