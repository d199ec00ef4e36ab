#!/usr/bin/env python3
"""Load a RefusalLab safetensors checkpoint into a nanoGPT-shaped PyTorch module and compare
its next-token log-probabilities with the Swift engine's.

The module below is written from nanoGPT's model.py (GPT-2: pre-LayerNorm blocks, learned
position embeddings, causal self-attention, MLP 4C, tied head), with GELU's tanh
approximation as RefusalLab (and GPT-2) use; nanoGPT's default `nn.GELU()` is the exact erf.

Usage:
  # with the CLI
  python3 Benchmarks/compare_logprobs.py --checkpoint model.safetensors --prompt "how do i"
  # with a JSON file {"tokens": [...], "logprobs": [...]} (e.g. from the TinyLM test
  # exportForPyTorchComparison, run with REFUSALLAB_EXPORT_DIR=/tmp/rl-export)
  python3 Benchmarks/compare_logprobs.py --checkpoint /tmp/rl-export/model.safetensors \
      --expected /tmp/rl-export/expected.json
  # with a residual-stream edit (a direction file from `refusal-lab direction --save`):
  # the same edit in PyTorch and in `refusal-lab inspect --ablate/--add FILE`
  python3 Benchmarks/compare_logprobs.py --checkpoint aligned.safetensors \
      --prompt "can you show me rotglyph" --ablate direction.json
"""
import argparse
import json
import os
import struct
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn
from torch.nn import functional as F


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd, bias=True)
        self.c_proj = nn.Linear(n_embd, n_embd, bias=True)
        self.n_head = n_head
        self.n_embd = n_embd

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, n_embd):
        super().__init__()
        self.c_fc = nn.Linear(n_embd, 4 * n_embd, bias=True)
        self.gelu = nn.GELU(approximate="tanh")
        self.c_proj = nn.Linear(4 * n_embd, n_embd, bias=True)

    def forward(self, x):
        return self.c_proj(self.gelu(self.c_fc(x)))


def edit_residual(x, edit, depth):
    """Applies a residual-stream edit after a write: ("ablate", unit) projects the unit
    vector out at every write; ("add", vector, at) adds the vector at depth `at` only
    (`depth` None marks the write inside a block, after attention)."""
    if edit is None:
        return x
    if edit[0] == "ablate":
        unit = edit[1]
        return x - (x @ unit).unsqueeze(-1) * unit
    if depth is not None and depth == edit[2]:
        return x + edit[1]
    return x


class Block(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd, eps=1e-5)
        self.attn = CausalSelfAttention(n_embd, n_head)
        self.ln_2 = nn.LayerNorm(n_embd, eps=1e-5)
        self.mlp = MLP(n_embd)

    def forward(self, x, edit=None, depth=None):
        x = edit_residual(x + self.attn(self.ln_1(x)), edit, None)
        x = edit_residual(x + self.mlp(self.ln_2(x)), edit, depth)
        return x


class GPT(nn.Module):
    def __init__(self, n_layer, n_head, n_embd, block_size, vocab_size):
        super().__init__()
        self.block_size = block_size
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(vocab_size, n_embd),
            wpe=nn.Embedding(block_size, n_embd),
            h=nn.ModuleList([Block(n_embd, n_head) for _ in range(n_layer)]),
            ln_f=nn.LayerNorm(n_embd, eps=1e-5),
        ))
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # weight tying, as nanoGPT

    def forward(self, idx, targets=None, edit=None):
        b, t = idx.size()
        pos = torch.arange(0, t, dtype=torch.long, device=idx.device)
        x = edit_residual(self.transformer.wte(idx) + self.transformer.wpe(pos), edit, 0)
        for depth, block in enumerate(self.transformer.h, start=1):
            x = block(x, edit, depth)
        logits = self.lm_head(self.transformer.ln_f(x))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1),
                                   ignore_index=-1)
        return logits, loss


def read_safetensors(path):
    """Returns ({name: np.ndarray}, metadata). Uses the `safetensors` package if present."""
    with open(path, "rb") as f:
        raw = f.read()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + length])
    metadata = header.pop("__metadata__", {})
    try:
        from safetensors.numpy import load_file  # type: ignore
        return load_file(path), metadata
    except ImportError:
        pass
    data = raw[8 + length:]
    tensors = {}
    for name, entry in header.items():
        assert entry["dtype"] == "F32", f"{name}: dtype {entry['dtype']}"
        start, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(data[start:end], dtype="<f4").reshape(entry["shape"])
    return tensors, metadata


def load_model(path):
    tensors, metadata = read_safetensors(path)
    config = json.loads(metadata["config"])
    vocab = json.loads(metadata["vocab"])
    model = GPT(config["n_layer"], config["n_head"], config["n_embd"], config["block_size"],
                config["vocab_size"])
    state = {name: torch.from_numpy(np.array(value)) for name, value in tensors.items()}
    state["lm_head.weight"] = state["transformer.wte.weight"]
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not missing and not unexpected, (missing, unexpected)
    model.eval()
    return model, config, vocab


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--expected", help="JSON with tokens and logprobs from the Swift side")
    parser.add_argument("--prompt", help="prompt text for `refusal-lab inspect`")
    parser.add_argument("--tolerance", type=float, default=1e-4)
    parser.add_argument("--scratch-path", help="SwiftPM scratch path for `swift run`")
    parser.add_argument("--ablate", help="direction file: project it out of every write")
    parser.add_argument("--add", help="direction file: add it at its depth (--scale times)")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    edit, edit_flags = None, []
    if args.ablate or args.add:
        with open(args.ablate or args.add) as f:
            direction = json.load(f)
        vector = torch.tensor(direction["vector"], dtype=torch.float32)
        if args.ablate:
            norm = vector.norm()
            edit = ("ablate", vector / norm if norm > 0 else vector)
            edit_flags = ["--ablate", args.ablate]
        else:
            edit = ("add", vector * args.scale, direction["depth"])
            edit_flags = ["--add", args.add, "--scale", str(args.scale)]

    if args.expected:
        with open(args.expected) as f:
            expected = json.load(f)
    elif args.prompt is not None:
        scratch = ["--scratch-path", args.scratch_path] if args.scratch_path else []
        command = ["swift", "run", "-c", "release"] + scratch + [
            "refusal-lab", "inspect", "--checkpoint", args.checkpoint, "--prompt", args.prompt,
            "--json"] + edit_flags
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        run = subprocess.run(command, capture_output=True, text=True, cwd=root)
        if run.returncode != 0:
            sys.exit(f"refusal-lab inspect failed:\n{run.stderr.strip()}")
        output = run.stdout
        expected = json.loads(output)
    else:
        parser.error("give --expected FILE or --prompt TEXT")

    model, config, vocab = load_model(args.checkpoint)
    tokens = expected["tokens"][-config["block_size"]:]
    with torch.no_grad():
        logits, _ = model(torch.tensor([tokens], dtype=torch.long), edit=edit)
        logprobs = torch.log_softmax(logits[0, -1].double(), dim=-1).numpy()
    swift = np.array(expected["logprobs"], dtype=np.float64)
    difference = np.abs(swift - logprobs)
    worst = int(difference.argmax())
    print(f"config: {config}")
    print(f"prompt tokens: {' '.join(vocab[t] for t in tokens)}")
    print(f"PyTorch top token: {vocab[int(logprobs.argmax())]!r}, "
          f"Swift top token: {vocab[int(swift.argmax())]!r}")
    print(f"max |logprob difference| = {difference.max():.3e} (token {vocab[worst]!r})")
    ok = difference.max() <= args.tolerance and int(logprobs.argmax()) == int(swift.argmax())
    print("MATCH" if ok else f"MISMATCH (tolerance {args.tolerance})")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
