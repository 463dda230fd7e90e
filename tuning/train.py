"""Train a LoRA adapter on a GGUF base model with PEFT on the CPU, and write it as a llama.cpp GGUF adapter.

transformers dequantizes the GGUF into a float32 PyTorch model, so the adapter is trained
against the very weights llama.cpp will add it to. PEFT's ``lora_A`` (rank x inputs) and
``lora_B`` (outputs x rank) of each adapted projection are written under the base GGUF's
own tensor names (``blk.0.attn_q.weight``), found with gguf-py's name map, which is also
what transformers used to load the weights; PEFT's ``lora_alpha / r`` scaling is
llama.cpp's ``alpha / rank``, so alpha goes into the file unchanged.
"""

import os
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from answering.lora import model_architecture, write_lora_adapter
from answering.sentinel import NO_ANSWER_SENTINEL
from tuning.pairs import TrainingPair, format_prompt_text, format_training_text

# Architectures whose q/k/v weights neither llama.cpp's converter nor transformers' GGUF
# loader permutes, so PEFT's A and B are llama.cpp's as they are. (For "llama" both permute
# q and k; an adapter for it would need B's rows permuted back. Gemma 3 270M is a base
# model without a chat template, so the app's chat prompt cannot be rendered for it.)
SUPPORTED_ARCHITECTURES = frozenset({"qwen2"})
IGNORED_LABEL = -100  # PyTorch's cross-entropy skips these positions: the prompt is context, not a target
_FIT_ATTEMPTS = 3  # re-tokenizing a shortened source can shift the count by a token or two

ProgressCallback = Callable[[str, float], None]


class TrainingError(ValueError):
    """The adapter cannot be trained with these inputs; the message says why and what to change."""


@dataclass(frozen=True)
class TrainingConfig:
    """LoRA and training settings; the defaults fit a 0.5B model on two CPU cores in minutes."""

    rank: int = 8
    alpha: float = 16.0
    dropout: float = 0.05
    target_modules: tuple[str, ...] = ("q_proj", "v_proj")
    learning_rate: float = 2e-4
    max_steps: int = 30
    max_pairs: int = 64
    max_seq_tokens: int = 512  # the app's system prompt alone is ~270 tokens
    threads: int = 1  # torch threads: leave the other cores to the web app and llama.cpp
    seed: int = 0


@dataclass(frozen=True)
class TrainingReport:
    """What a run did and cost.

    ``first_loss`` and ``last_loss`` are the losses of the first and the last step, which
    saw different pairs (batch 1), so compare them as a trend, not as a measurement.
    ``peak_rss_mb`` is the process's peak resident memory so far, which includes this run.
    """

    pairs: int
    steps: int
    first_loss: float
    last_loss: float
    seconds: float
    peak_rss_mb: float
    architecture: str
    rank: int
    alpha: float


def train_lora(
    base_gguf: Path,
    pairs: list[TrainingPair],
    out_path: Path,
    config: TrainingConfig = TrainingConfig(),
    on_progress: ProgressCallback | None = None,
) -> TrainingReport:
    """Train an adapter for ``base_gguf`` on up to ``config.max_pairs`` of ``pairs`` and write it to ``out_path``.

    ``on_progress(stage, fraction)`` is called with the stage ("loading the base model",
    "training", "writing the adapter") and how far that stage is, from 0 to 1. Raise
    TrainingError when the inputs cannot give an adapter; ``out_path`` is only ever
    replaced by a complete file.
    """
    started = time.monotonic()
    progress = on_progress or (lambda stage, fraction: None)
    base_gguf = Path(base_gguf)
    architecture = _check_inputs(base_gguf, pairs, config)
    import torch  # only now: bad inputs are refused without the seconds torch takes to import

    previous_threads = torch.get_num_threads()
    torch.set_num_threads(config.threads)
    try:
        progress("loading the base model", 0.0)
        tokenizer = _load_tokenizer(base_gguf)
        examples = _encode_all(pairs[: config.max_pairs], tokenizer, config.max_seq_tokens)
        model = _load_model(base_gguf)
        torch.manual_seed(config.seed)  # LoRA's A starts random; dropout draws too
        model = _with_lora(model, config)
        progress("loading the base model", 1.0)
        losses = _train(model, examples, config, progress)
        progress("writing the adapter", 0.0)
        weights = _adapter_weights(model, architecture)
    finally:
        torch.set_num_threads(previous_threads)
    _write_atomically(Path(out_path), architecture, weights, config.alpha, f"manualist lora for {base_gguf.stem}")
    progress("writing the adapter", 1.0)
    return TrainingReport(
        pairs=len(examples),
        steps=len(losses),
        first_loss=losses[0],
        last_loss=losses[-1],
        seconds=time.monotonic() - started,
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # kilobytes on Linux
        architecture=architecture,
        rank=config.rank,
        alpha=config.alpha,
    )


def _check_inputs(base_gguf: Path, pairs: list[TrainingPair], config: TrainingConfig) -> str:
    """Fail in milliseconds, before a minute of model loading, on anything that cannot work; return the architecture."""
    if not pairs:
        raise TrainingError("There are no training pairs; the manuals gave no sentences that define something.")
    if min(config.rank, config.max_steps, config.max_pairs, config.max_seq_tokens, config.threads) < 1:
        raise TrainingError("rank, max_steps, max_pairs, max_seq_tokens and threads must all be at least 1.")
    if not base_gguf.is_file():
        raise TrainingError(f"The base model {base_gguf} does not exist.")
    architecture = model_architecture(base_gguf)
    if architecture not in SUPPORTED_ARCHITECTURES:
        raise TrainingError(
            f"{base_gguf.name} is a {architecture or 'unknown'} model; adapters can be trained for "
            f"{', '.join(sorted(SUPPORTED_ARCHITECTURES))} models only."
        )
    return architecture


def _load_tokenizer(base_gguf: Path):
    """Return the tokenizer transformers builds from the GGUF's vocabulary and chat template (seconds)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base_gguf.parent, gguf_file=base_gguf.name)
    if not tokenizer.chat_template:
        raise TrainingError(f"{base_gguf.name} has no chat template, so the app's chat prompt cannot be rendered.")
    return tokenizer


def _load_model(base_gguf: Path):
    """Return the float32 model transformers builds from the GGUF, dequantizing every weight (most of a minute)."""
    import torch
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(base_gguf.parent, gguf_file=base_gguf.name, dtype=torch.float32)


def _encode_all(pairs: list[TrainingPair], tokenizer, max_tokens: int) -> list[tuple[list[int], list[int]]]:
    examples = [example for pair in pairs if (example := encode_pair(pair, tokenizer, max_tokens))]
    if not examples:
        raise TrainingError(
            f"None of the {len(pairs)} pairs fits in max_seq_tokens={max_tokens} together with the app's "
            "instructions; raise max_seq_tokens."
        )
    return examples


def encode_pair(pair: TrainingPair, tokenizer, max_tokens: int) -> tuple[list[int], list[int]] | None:
    """Return (input ids, labels) for at most ``max_tokens`` tokens, the prompt's labels IGNORED_LABEL.

    Only the answer and the end-of-turn token after it are scored, so the model learns to
    answer, not to write the instructions. Return None when the pair cannot fit.

    A pair that is too long loses the end of its sources, as long as the sentence the answer
    restates survives (a decline restates none); otherwise the model would learn to answer
    from nothing. An approved answer may draw on any part of its sources, so it is never cut:
    it is left out instead.
    """
    for _ in range(_FIT_ATTEMPTS):
        prompt = format_prompt_text(pair, tokenizer)
        answer = format_training_text(pair, tokenizer).removeprefix(prompt)
        # Tokenized apart so the boundary is exact; the texts already hold the special tokens.
        prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        answer_ids = tokenizer(answer, add_special_tokens=False)["input_ids"]
        excess = len(prompt_ids) + len(answer_ids) - max_tokens
        if excess <= 0:
            return prompt_ids + answer_ids, [IGNORED_LABEL] * len(prompt_ids) + answer_ids
        if pair.restates is None and pair.answer != NO_ANSWER_SENTINEL:
            return None
        source_ids = tokenizer(pair.sources, add_special_tokens=False)["input_ids"]
        shortened = tokenizer.decode(source_ids[: max(len(source_ids) - excess, 0)])
        if pair.restates is not None and pair.restates not in shortened:
            return None
        pair = replace(pair, sources=shortened)
    return None


def _with_lora(model, config: TrainingConfig):
    from peft import LoraConfig, get_peft_model

    lora = LoraConfig(
        r=config.rank,
        lora_alpha=config.alpha,
        lora_dropout=config.dropout,
        target_modules=list(config.target_modules),
        bias="none",  # llama.cpp adapters carry no biases
        task_type="CAUSAL_LM",
    )
    try:
        return get_peft_model(model, lora)
    except ValueError as error:  # e.g. a target module the model does not have
        raise TrainingError(f"PEFT cannot adapt this model: {error}") from error


def _train(model, examples, config: TrainingConfig, progress: ProgressCallback) -> list[float]:
    """Run ``config.max_steps`` AdamW steps of batch 1, cycling over ``examples``; return each step's loss."""
    import torch

    trainable = [parameter for parameter in model.parameters() if parameter.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=config.learning_rate)
    model.train()
    losses = []
    progress("training", 0.0)
    for step in range(config.max_steps):
        input_ids, labels = examples[step % len(examples)]
        loss = model(input_ids=torch.tensor([input_ids]), labels=torch.tensor([labels])).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
        progress("training", (step + 1) / config.max_steps)
    return losses


def _adapter_weights(model, architecture: str) -> dict:
    """Return {base GGUF weight name: (A, B)} for every adapted module.

    The names come from the map transformers loaded the weights by, so each names a tensor
    the base GGUF has. (Re-reading the GGUF to check its shapes would cost ten seconds of
    parsing its vocabulary; the tests check them instead.)
    """
    import gguf
    from peft.tuners.lora import LoraLayer

    arch = {name: arch for arch, name in gguf.MODEL_ARCH_NAMES.items()}[architecture]
    name_map = gguf.get_tensor_name_map(arch, model.config.num_hidden_layers)
    weights = {}
    for module_name, module in model.named_modules():
        if not isinstance(module, LoraLayer):
            continue
        # PEFT wraps the model twice: base_model (LoraModel) . model (the transformers model).
        hf_name = module_name.removeprefix("base_model.model.")
        gguf_name = name_map.get_name(hf_name)
        if gguf_name is None:
            raise TrainingError(f"gguf has no {architecture} tensor name for {hf_name}; it cannot be adapted.")
        lora_a = module.lora_A["default"].weight.detach().float().numpy()
        lora_b = module.lora_B["default"].weight.detach().float().numpy()
        weights[f"{gguf_name}.weight"] = (lora_a, lora_b)
    return weights


def _write_atomically(path: Path, architecture: str, weights: dict, alpha: float, name: str) -> None:
    # A server may load the adapter at any moment, so it must never see half a file.
    partial = path.with_name(f".{path.name}.part")
    try:
        write_lora_adapter(partial, architecture, weights, alpha, name)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
