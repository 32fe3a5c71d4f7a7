#!/usr/bin/python3
"""English -> Spanish translation, Recurrent vs PyTorch, same architecture, optimizer, batches and steps.

Data: ../shared/data/translation/eng-spa.tsv (5,000 pairs); every 10th pair is held out as the test set
(pairs 10, 20, ...), as `recurrent train translate --test-every 10` does.

Both sides:
  tokens   lower case, every punctuation or symbol character its own token, split on white space
           (Sentences.Words; this script re-implements it and checks that it gives our vocabularies exactly);
  ids      0 padding, 1 unknown, 2 start, 3 end, then the training words by frequency (ties: first seen);
  model    source ids -> Embedding(E, mask_zero) -> LSTM(H) whose final (h, c) start the decoder
           LSTM(H) over Embedding(<start> + target); with attention, each decoder output q attends the
           encoder outputs k (--attention: Luong's general score q.W.k, or Bahdanau's v.tanh(q.W1 + k.W2 + b);
           padded source steps get weight 0), and
           tanh(Dense([context; q])) -> Dense(V) softmax; without attention, Dense(V) on q directly;
  loss     cross-entropy per real target token (padding ignored), label smoothing 0.1, mean over tokens;
  training Adam(lr), B pairs a batch (the last one partial), reshuffled each epoch, the same epochs;
  init     Keras' initialisers (Glorot-uniform kernels, orthogonal recurrent kernels, forget bias 1,
           embeddings U(+-0.05)), drawn by each side's own generator;
  decoding greedy, at most the longest training target + 5 tokens;
  BLEU     corpus BLEU-4 (NLTK's corpus_bleu: clipped counts, closest reference length, no smoothing), the
           references of a test source being every translation the file gives for it.

The script also scores our translations with its own BLEU, which must equal the BLEU our CLI reports, and loads
our trained weights into its PyTorch model: that twin must reproduce our test loss (1e-4 relative) and at least
99 % of our greedy translations, which shows the two models are the same function.
Passes when (1) our mean BLEU with attention is at least PyTorch's minus --tolerance BLEU points (2, about one
seed-to-seed standard deviation: with one seed per side the difference is mostly the seeds' luck; the docs' run
uses three seeds), (2) each of our trainings with attention took at most 10 minutes, (3) the two BLEU
computations agree, and (4) the twin reproduces each of our models. The gain of attention over none is reported
for both frameworks (on these short sentences it is negative at --units 128 and positive at --units 64 in both;
see docs/translation.md).
Exit code 0 / 1. Writes every run's numbers with --json.
"""
import argparse
import json
import math
import random
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from pathlib import Path

import torch
from torch import nn

import keras_init
import recurrent_cli

TIME_LIMIT = 600  # seconds for our training run


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("data", nargs="?", default=recurrent_cli.REPO.parent / "shared/data/translation/eng-spa.tsv", type=Path)
    p.add_argument("--test-every", type=int, default=10)
    p.add_argument("--embedding-dim", type=int, default=64)
    p.add_argument("--units", type=int, default=128)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--lr", type=float, default=0.002)
    p.add_argument("--dropout", type=float, default=0.0)
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument("--seeds", type=int, nargs="+", default=[1], help="one run per seed and framework; BLEU is compared by its mean")
    p.add_argument("--tolerance", type=float, default=2.0, help="BLEU points our mean may be below PyTorch's")
    p.add_argument("--attention", choices=["luong", "bahdanau"], default="luong", help="the attention compared with none")
    p.add_argument("--json", type=Path, help="write the results here")
    return p.parse_args()


# --- data, exactly as TranslationPairs.Read / HoldOutEvery / Sentences.Words / Vocabulary.Build -----------------

def read_pairs(path):
    pairs = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        line = line.rstrip("\r")
        if not line:
            continue
        fields = line.split("\t")
        pairs.append((fields[0].strip(), fields[1].strip()))
    return pairs


def is_letter(c):
    return unicodedata.category(c).startswith("L")


def words(text):
    out = []
    for i, c in enumerate(text):
        inner_apostrophe = c == "'" and 0 < i < len(text) - 1 and is_letter(text[i - 1]) and is_letter(text[i + 1])
        if unicodedata.category(c)[0] in "PS" and not inner_apostrophe:
            out.append(" " + c + " ")
        else:
            out.append(c.lower())
    return "".join(out).split()


RESERVED = ["<pad>", "<unk>", "<start>", "<end>"]
PAD, UNK, START, END = range(4)


def vocabulary(sentences):
    counts, first = Counter(), {}
    for sentence in sentences:
        for w in sentence:
            counts[w] += 1
            first.setdefault(w, len(first))
    ordered = sorted((w for w in counts if w not in RESERVED), key=lambda w: (-counts[w], first[w]))
    return RESERVED + ordered


def pad(rows, length):
    out = torch.zeros(len(rows), length, dtype=torch.long)
    for i, row in enumerate(rows):
        out[i, : len(row)] = torch.tensor(row, dtype=torch.long)
    return out


# --- BLEU, as Recurrent.Metrics.Bleu (NLTK corpus_bleu without smoothing) ---------------------------------------

def ngrams(tokens, n):
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def corpus_bleu(hypotheses, references, max_order=4):
    matches, totals = [0] * max_order, [0] * max_order
    hyp_length = ref_length = 0
    for hyp, refs in zip(hypotheses, references):
        hyp_length += len(hyp)
        ref_length += min((abs(len(r) - len(hyp)), len(r)) for r in refs)[1]
        for n in range(1, max_order + 1):
            most = Counter()
            for r in refs:
                for gram, count in ngrams(r, n).items():
                    most[gram] = max(most[gram], count)
            matches[n - 1] += sum(min(count, most[gram]) for gram, count in ngrams(hyp, n).items())
            totals[n - 1] += max(0, len(hyp) - n + 1)
    precisions = [m / t if t else 0.0 for m, t in zip(matches, totals)]
    if min(precisions) == 0:
        return 0.0
    brevity = 1.0 if hyp_length >= ref_length else math.exp(1 - ref_length / hyp_length) if hyp_length else 0.0
    return brevity * math.exp(sum(math.log(p) for p in precisions) / max_order)


# --- the PyTorch model ------------------------------------------------------------------------------------------

class Seq2Seq(nn.Module):
    def __init__(self, source_words, target_words, embedding_dim, units, attention, dropout):
        super().__init__()
        self.source_embedding = nn.Embedding(source_words, embedding_dim)
        self.target_embedding = nn.Embedding(target_words, embedding_dim)
        self.dropout = nn.Dropout(dropout)
        self.encoder = nn.LSTM(embedding_dim, units, batch_first=True)
        self.decoder = nn.LSTM(embedding_dim, units, batch_first=True)
        self.attention = attention
        if attention == "luong":
            self.score = nn.Parameter(keras_init.glorot(units, units))  # general score q.W.k: W [query, key]
        elif attention == "bahdanau":  # v . tanh(q.W1 + k.W2 + b), `units` hidden units as in the CLI
            self.query_kernel = nn.Parameter(keras_init.glorot(units, units))
            self.key_kernel = nn.Parameter(keras_init.glorot(units, units))
            self.score_bias = nn.Parameter(torch.zeros(units))
            self.score_scale = nn.Parameter(torch.empty(units).uniform_(-1, 1) * (6 / (2 * units)) ** 0.5)
        if attention:
            self.attentional = nn.Linear(2 * units, units)
            keras_init.init_dense(self.attentional)
        self.next_token = nn.Linear(units, target_words)
        with torch.no_grad():
            self.source_embedding.weight.uniform_(-0.05, 0.05)
            self.target_embedding.weight.uniform_(-0.05, 0.05)
        keras_init.init_lstm(self.encoder)
        keras_init.init_lstm(self.decoder)
        keras_init.init_dense(self.next_token)

    def encode(self, source):
        lengths = (source != PAD).sum(1).clamp(min=1)
        packed = nn.utils.rnn.pack_padded_sequence(self.dropout(self.source_embedding(source)), lengths.cpu(), batch_first=True, enforce_sorted=False)
        outputs, state = self.encoder(packed)
        outputs, _ = nn.utils.rnn.pad_packed_sequence(outputs, batch_first=True, total_length=source.shape[1])
        keys = None  # projected once per source, reused every step
        if self.attention == "luong":
            keys = outputs @ self.score.T
        elif self.attention == "bahdanau":
            keys = outputs @ self.key_kernel + self.score_bias
        return outputs, keys, source != PAD, state

    def decode(self, memory, target_in, state):
        outputs, keys, mask, _ = memory
        decoded, state = self.decoder(self.dropout(self.target_embedding(target_in)), state)
        weights = None
        if self.attention:
            if self.attention == "luong":
                scores = decoded @ keys.transpose(1, 2)
            else:
                scores = torch.tanh((decoded @ self.query_kernel)[:, :, None, :] + keys[:, None, :, :]) @ self.score_scale
            scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
            weights = torch.softmax(scores, dim=-1)
            decoded = torch.tanh(self.attentional(torch.cat([weights @ outputs, decoded], dim=-1)))
        return self.next_token(decoded), state

    def forward(self, source, target_in):
        memory = self.encode(source)
        return self.decode(memory, target_in, memory[3])[0]

    @torch.no_grad()
    def greedy(self, source, max_length):
        memory = self.encode(source)
        state, tokens = memory[3], torch.full((len(source), 1), START, dtype=torch.long)
        out, done = [], torch.zeros(len(source), dtype=torch.bool)
        for _ in range(max_length):
            logits, state = self.decode(memory, tokens, state)
            tokens = logits.argmax(-1)
            out.append(tokens[:, 0])
            done |= tokens[:, 0] == END
            if done.all():
                break
        return torch.stack(out, 1).tolist()


def train_pytorch(train, test_sources, source_vocab, target_vocab, max_output, a, attention):
    start = time.perf_counter()
    torch.manual_seed(a.seed)
    random.seed(a.seed)
    s_index = {w: i for i, w in enumerate(source_vocab)}
    t_index = {w: i for i, w in enumerate(target_vocab)}
    sources = [[s_index.get(w, UNK) for w in words(s)] for s, _ in train]
    targets = [[t_index.get(w, UNK) for w in words(t)] for _, t in train]
    steps = max(len(t) for t in targets) + 1
    x = pad(sources, max(len(s) for s in sources))
    y_in = pad([[START] + t for t in targets], steps)
    y_out = pad([t + [END] for t in targets], steps)
    model = Seq2Seq(len(source_vocab), len(target_vocab), a.embedding_dim, a.units, attention, a.dropout)
    optimizer = torch.optim.Adam(keras_init.trainable(model), lr=a.lr)
    loss_fn = nn.CrossEntropyLoss(ignore_index=PAD, label_smoothing=a.label_smoothing)
    order = list(range(len(train)))
    model.train()
    for _ in range(a.epochs):
        random.shuffle(order)
        for b in range(0, len(order), a.batch_size):
            batch = torch.tensor(order[b : b + a.batch_size])
            logits = model(x[batch], y_in[batch])
            loss = loss_fn(logits.flatten(0, 1), y_out[batch].flatten())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    seconds = time.perf_counter() - start
    model.eval()
    test_ids = [[s_index.get(w, UNK) for w in words(s)] for s in test_sources]
    hypotheses = []
    for b in range(0, len(test_ids), 64):
        chunk = test_ids[b : b + 64]
        for row in model.greedy(pad(chunk, max(1, max(len(r) for r in chunk))), max_output):
            tokens = row[: row.index(END)] if END in row else row
            hypotheses.append([target_vocab[t] for t in tokens if t not in (PAD, START)])
    return hypotheses, seconds


def load_ours(model, path):
    """Our trained weights (Keras layouts, see docs/model-file.md) into the PyTorch twin."""
    w = {name: torch.from_numpy(t) for name, t in recurrent_cli.read_model_file(path)[0].items()}
    with torch.no_grad():
        model.source_embedding.weight.copy_(w["source_embedding/0/embeddings"])
        model.target_embedding.weight.copy_(w["target_embedding/0/embeddings"])
        for name in ("encoder", "decoder"):
            keras_init.set_lstm(getattr(model, name), w[f"{name}/0/kernel"], w[f"{name}/1/recurrent_kernel"], w[f"{name}/2/bias"])
        if model.attention == "luong":
            model.score.copy_(w["attention/0/kernel"])
        elif model.attention == "bahdanau":
            model.query_kernel.copy_(w["attention/0/query_kernel"])
            model.key_kernel.copy_(w["attention/1/key_kernel"])
            model.score_bias.copy_(w["attention/2/bias"])
            model.score_scale.copy_(w["attention/3/scale"])
        if model.attention:
            keras_init.set_dense(model.attentional, w["attentional/0/kernel"], w["attentional/1/bias"])
        keras_init.set_dense(model.next_token, w["next_token/0/kernel"], w["next_token/1/bias"])


def same_function(path, test, source_vocab, target_vocab, max_output, a, attention):
    """PyTorch's twin with our trained weights: its teacher-forced test loss (batches of 64, each the mean over its
    real tokens, weighted by its size, as our evaluate) and its greedy translations of the test sources."""
    model = Seq2Seq(len(source_vocab), len(target_vocab), a.embedding_dim, a.units, attention, 0.0)
    load_ours(model, path)
    model.eval()
    s_index = {w: i for i, w in enumerate(source_vocab)}
    t_index = {w: i for i, w in enumerate(target_vocab)}
    loss_fn = nn.CrossEntropyLoss(ignore_index=PAD, label_smoothing=a.label_smoothing)
    total, hypotheses = 0.0, []
    with torch.no_grad():
        for b in range(0, len(test), 64):
            chunk = test[b : b + 64]
            sources = [[s_index.get(w, UNK) for w in words(s)] for s, _ in chunk]
            targets = [[t_index.get(w, UNK) for w in words(t)] for _, t in chunk]
            steps = max(len(t) for t in targets) + 1
            x = pad(sources, max(1, max(len(r) for r in sources)))
            logits = model(x, pad([[START] + t for t in targets], steps))
            total += loss_fn(logits.flatten(0, 1), pad([t + [END] for t in targets], steps).flatten()).item() * len(chunk)
            for row in model.greedy(x, max_output):
                tokens = row[: row.index(END)] if END in row else row
                hypotheses.append([target_vocab[t] for t in tokens if t not in (PAD, START)])
    return total / len(test), hypotheses


def ours(a, seed, attention, tmp):
    model = Path(tmp) / f"translator-{attention}-{seed}.rnn"
    args = ["--data", a.data, "--test-every", a.test_every, "--attention", attention, "--cell", "lstm",
            "--units", a.units, "--embedding-dim", a.embedding_dim, "--batch-size", a.batch_size, "--epochs", a.epochs,
            "--lr", a.lr, "--dropout", a.dropout, "--label-smoothing", a.label_smoothing, "--seed", seed, "--threads", 2]
    report, seconds = recurrent_cli.train("translate", args, model=model)
    return report, seconds, model


def mean(values):
    return sum(values) / len(values)


def main():
    a = parse_args()
    torch.set_num_threads(2)
    pairs = read_pairs(a.data)
    train = [p for i, p in enumerate(pairs) if (i + 1) % a.test_every != 0]
    test = [p for i, p in enumerate(pairs) if (i + 1) % a.test_every == 0]
    source_vocab = vocabulary(words(s) for s, _ in train)
    target_vocab = vocabulary(words(t) for _, t in train)
    max_output = max(len(words(t)) for _, t in train) + 5
    references = {}
    for s, t in pairs:
        refs = references.setdefault(s, [])
        if words(t) not in refs:
            refs.append(words(t))
    test_refs = [references[s] for s, _ in test]
    test_sources = [s for s, _ in test]

    runs = {"recurrent_attention": [], "recurrent_no_attention": [], "pytorch_attention": [], "pytorch_no_attention": []}
    checks, samples = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in a.seeds:
            for attention, label in ((a.attention, "attention"), ("none", "no_attention")):
                report, seconds, model = ours(a, seed, attention, tmp)
                metadata = json.loads(recurrent_cli.read_model_file(model)[1]["preprocessing"])
                if metadata["source_vocabulary"] != source_vocab or metadata["target_vocabulary"] != target_vocab:
                    raise SystemExit("the script's tokenisation differs from the library's: the vocabularies do not match")
                translated = recurrent_cli.translate(model, test_sources)
                script_bleu = corpus_bleu([t["words"] for t in translated], test_refs)
                # The same architecture: PyTorch's twin with our trained weights computes our numbers.
                twin_loss, twin_words = same_function(model, test, source_vocab, target_vocab, max_output, a, None if attention == "none" else attention)
                identical = sum(t["words"] == h for t, h in zip(translated, twin_words))
                runs[f"recurrent_{label}"].append({"seed": seed, "bleu": report["test"]["bleu"], "token_accuracy": report["test"]["token_accuracy"],
                                                   "test_loss": report["test"]["loss"], "seconds": seconds, "bleu_by_this_script": script_bleu,
                                                   "pytorch_twin": {"test_loss": twin_loss, "identical_translations": identical}})
                checks.append((f"seed {seed}, {label}: BLEU of our translations by the CLI {report['test']['bleu']:.6f} = by this script {script_bleu:.6f}",
                               abs(script_bleu - report["test"]["bleu"]) < 1e-9))
                checks.append((f"seed {seed}, {label}: PyTorch's twin with our trained weights: test loss {twin_loss:.6f} vs ours "
                               f"{report['test']['loss']:.6f}, {identical}/{len(test)} greedy translations identical",
                               abs(twin_loss - report["test"]["loss"]) <= 1e-4 * abs(twin_loss) and identical >= 0.99 * len(test)))
                if label == "attention":
                    checks.append((f"seed {seed}: our training with attention took {seconds:.0f} s <= {TIME_LIMIT} s", seconds <= TIME_LIMIT))
                    if not samples:
                        samples = [[s, t["translation"], r] for s, t, (_, r) in zip(test_sources[:10], translated[:10], test[:10])]
            for attention, label in ((a.attention, "attention"), (None, "no_attention")):
                a.seed = seed
                hypotheses, seconds = train_pytorch(train, test_sources, source_vocab, target_vocab, max_output, a, attention)
                runs[f"pytorch_{label}"].append({"seed": seed, "bleu": corpus_bleu(hypotheses, test_refs), "seconds": seconds})

    steps = a.epochs * -(-len(train) // a.batch_size)
    print(f"data: {a.data.name}, {len(pairs)} pairs, every {a.test_every}th held out: {len(train)} train, {len(test)} test; "
          f"vocabularies {len(source_vocab)} / {len(target_vocab)} ids")
    print(f"model: LSTM encoder-decoder ({a.attention} attention or none) E={a.embedding_dim} H={a.units}, Adam lr {a.lr}, "
          f"batch {a.batch_size}, {a.epochs} epochs ({steps} steps), label smoothing {a.label_smoothing}, dropout {a.dropout}, "
          f"seeds {' '.join(map(str, a.seeds))}; torch {torch.__version__}, 2 threads")
    means = {name: mean([r["bleu"] for r in rs]) for name, rs in runs.items()}
    for name, rs in runs.items():
        per_seed = "  ".join(f"{100 * r['bleu']:5.2f}" for r in rs)
        print(f"{name:24s} test BLEU mean {100 * means[name]:5.2f}  (per seed {per_seed})  training {mean([r['seconds'] for r in rs]):6.1f} s per run")
    ours_a, torch_a = means["recurrent_attention"], means["pytorch_attention"]
    checks.append((f"our mean BLEU with attention {100 * ours_a:.2f} >= PyTorch's {100 * torch_a:.2f} - {a.tolerance} "
                   f"(the tolerance is the seed-to-seed spread of one run, see docs/translation.md)", 100 * ours_a >= 100 * torch_a - a.tolerance))
    for text, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}: {text}")
    gain_ours = 100 * (ours_a - means["recurrent_no_attention"])
    gain_torch = 100 * (torch_a - means["pytorch_no_attention"])
    print(f"reported: attention minus no attention, mean BLEU: Recurrent {gain_ours:+.2f}, PyTorch {gain_torch:+.2f}")
    print("samples (attention, seed %d): source -> translation (reference)" % a.seeds[0])
    for s, t, r in samples:
        print(f"  {s}  ->  {t}   ({r})")
    passed = all(ok for _, ok in checks)
    if a.json:
        a.json.write_text(json.dumps({"pairs": len(pairs), "train": len(train), "test": len(test), "steps": steps,
                                      "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(a).items()},
                                      "runs": runs, "mean_bleu": means, "samples": samples, "passed": passed},
                                     indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
