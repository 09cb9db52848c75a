"""Reference forward pass of a BERT sentence encoder, written apart from the served graph.

Reads the checkpoint with NumPy only (safetensors parsed by hand, vocab.txt for the
tokenizer) and computes, in float64, the mean-pooled last hidden states of each
sentence below, alone (no padding). The served ONNX graph must agree within 1e-4
(test/unit/pretrained-model.test.ts); the token ids must equal @huggingface/tokenizers'.

    make model-reference        # never edit the output by hand

    python minilm_reference.py --model DIR --out FILE
"""
import argparse
import json
import math
import struct
import sys
import unicodedata

import numpy as np

# Fixed sentence set: short and long, punctuation, digits, case, accents, a CJK character,
# an unknown-ish word split into pieces. Changing it needs `make model-reference`.
SENTENCES = [
    "Where is my parcel?",
    "I forgot my password and cannot sign in to my account.",
    "Please refund order #4521, it arrived broken!",
    "CANCEL my subscription NOW.",
    "The café's crème brûlée was naïve, said the résumé.",
    "Why was I charged $19.99 twice on 2024-03-05?",
    "hello",
    "Upgrading to the premium-plus tier: is it worth it? (asking for a friend)",
    "我的订单 has not arrived yet",
    "Supercalifragilisticexpialidocious customer-service experiences are rare.",
    "I have been waiting for three weeks for a delivery that was promised within two days, "
    "nobody answers the phone, the chat bot keeps sending me the same link, and the tracking "
    "page has said 'out for delivery' since last Tuesday; I want to know what is going on.",
    "Thanks!",
]

MAX_CHARS_PER_WORD = 100


# ---- tokenizer: BERT uncased (basic tokenization, then greedy longest-match WordPiece) ----

def is_whitespace(ch):
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def is_control(ch):
    return ch not in "\t\n\r" and unicodedata.category(ch).startswith("C")


def is_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def is_cjk(cp):
    return any(lo <= cp <= hi for lo, hi in [
        (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
        (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F)])


def basic_tokens(text):
    cleaned = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or is_control(ch):
            continue
        if is_whitespace(ch):
            cleaned.append(" ")
        elif is_cjk(cp):
            cleaned.append(f" {ch} ")
        else:
            cleaned.append(ch)
    text = "".join(cleaned).lower()
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    tokens = []
    for word in text.split():
        current = ""
        for ch in word:
            if is_punctuation(ch):
                if current:
                    tokens.append(current)
                tokens.append(ch)
                current = ""
            else:
                current += ch
        if current:
            tokens.append(current)
    return tokens


def wordpiece(word, vocab):
    if len(word) > MAX_CHARS_PER_WORD:
        return ["[UNK]"]
    pieces, start = [], 0
    while start < len(word):
        end, piece = len(word), None
        while start < end:
            candidate = ("##" if start > 0 else "") + word[start:end]
            if candidate in vocab:
                piece = candidate
                break
            end -= 1
        if piece is None:
            return ["[UNK]"]
        pieces.append(piece)
        start = end
    return pieces


def tokenize(text, vocab):
    tokens = ["[CLS]"] + [p for w in basic_tokens(text) for p in wordpiece(w, vocab)] + ["[SEP]"]
    return [vocab[t] for t in tokens]


# ---- checkpoint ----

def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__" or entry["dtype"] != "F32":
            continue
        start, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(data, dtype="<f4", count=(end - start) // 4, offset=base + start) \
            .reshape(entry["shape"]).astype(np.float64)
    return tensors


# ---- forward pass (float64) ----

erf = np.vectorize(math.erf)


def layer_norm(x, gamma, beta, eps):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def dense(x, w, prefix):
    return x @ w[f"{prefix}.weight"].T + w[f"{prefix}.bias"]


def encode(ids, w, cfg):
    H, heads, eps = cfg["hidden_size"], cfg["num_attention_heads"], cfg["layer_norm_eps"]
    d = H // heads
    S = len(ids)
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:S] \
        + w["embeddings.token_type_embeddings.weight"][0]
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    for layer in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{layer}"
        q, k, v = (dense(x, w, f"{p}.attention.self.{n}").reshape(S, heads, d).transpose(1, 0, 2)
                   for n in ("query", "key", "value"))
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(d)
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        probs = scores / scores.sum(axis=-1, keepdims=True)
        context = (probs @ v).transpose(1, 0, 2).reshape(S, H)
        x = layer_norm(x + dense(context, w, f"{p}.attention.output.dense"),
                       w[f"{p}.attention.output.LayerNorm.weight"], w[f"{p}.attention.output.LayerNorm.bias"], eps)
        h = dense(x, w, f"{p}.intermediate.dense")
        h = 0.5 * h * (1.0 + erf(h / math.sqrt(2.0)))
        x = layer_norm(x + dense(h, w, f"{p}.output.dense"),
                       w[f"{p}.output.LayerNorm.weight"], w[f"{p}.output.LayerNorm.bias"], eps)
    return x.mean(axis=0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="checkpoint folder (config.json, model.safetensors, vocab.txt)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    with open(f"{args.model}/config.json") as f:
        cfg = json.load(f)
    if cfg.get("model_type") != "bert" or cfg.get("hidden_act") != "gelu":
        sys.exit(f"{args.model}/config.json: this reference computes BERT with exact GELU only")
    with open(f"{args.model}/vocab.txt", encoding="utf-8") as f:
        vocab = {line.rstrip("\n"): i for i, line in enumerate(f)}
    try:
        with open(f"{args.model}/SOURCE.json") as f:
            source = json.load(f)
    except FileNotFoundError:
        source = {"dir": args.model}
    weights = read_safetensors(f"{args.model}/model.safetensors")
    rows = []
    for text in SENTENCES:
        ids = tokenize(text, vocab)
        pooled = encode(ids, weights, cfg)
        rows.append({"text": text, "ids": ids, "pooled": [float(f"{v:.9g}") for v in pooled]})
    doc = {
        "$comment": "Written by `make model-reference` (test/reference/minilm_reference.py); never edit by hand.",
        "source": source,
        "numpy": np.__version__,
        "precision": "float64, each sentence alone (no padding)",
        "pooling": "mean of the last hidden states over all tokens, [CLS] and [SEP] included",
        "sentences": rows,
    }
    with open(args.out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"wrote {args.out}: {len(rows)} sentences, hidden {cfg['hidden_size']}")


if __name__ == "__main__":
    main()
