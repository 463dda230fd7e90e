"""Parse, chunk, embed and store manuals: plain Python shared by workers, commands and benchmarks."""
