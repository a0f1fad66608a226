#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Regenerates the seed corpora fuzz/corpus/<fuzzer>/ from the project's own inputs: the sample
# data (examples/data), the example policies (examples/policies) and the string literals of the
# tests (tests/*.cpp). Each seed is named by the SHA-1 of its bytes, as libFuzzer names its
# corpus files. fuzz/regressions/ is left alone.
#
#   fuzz/make-seeds.sh          # needs python3 (standard library only)
#
# The seeds are kept small (a few KiB each, well under 1 MB in all) so that libFuzzer's default
# -max_len stays small and the ctest replay stays fast.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
exec python3 - "$root" <<'PY'
import hashlib, json, os, re, shutil, sys, zlib

root = sys.argv[1]
fuzz = os.path.join(root, "fuzz")
corpus = os.path.join(fuzz, "corpus")
MAX_SEED = 6 * 1024

def read(p):
    with open(os.path.join(root, p), "rb") as f:
        return f.read()

# ---- string literals of a C++ file (adjacent literals joined, escapes decoded) --------------
SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "?": "?", "a": "\a",
          "b": "\b", "f": "\f", "v": "\v"}

def decode_escapes(s):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c != "\\":
            out.append(c.encode()); i += 1; continue
        n = s[i + 1]
        if n in SIMPLE:
            out.append(SIMPLE[n].encode()); i += 2
        elif n == "x":
            m = re.match(r"[0-9a-fA-F]+", s[i + 2:]); out.append(bytes([int(m.group(0), 16) & 0xFF])); i += 2 + len(m.group(0))
        elif n in "01234567":
            m = re.match(r"[0-7]{1,3}", s[i + 1:]); out.append(bytes([int(m.group(0), 8) & 0xFF])); i += 1 + len(m.group(0))
        elif n in "uU":
            k = 4 if n == "u" else 8; out.append(chr(int(s[i + 2:i + 2 + k], 16)).encode()); i += 2 + k
        else:
            out.append(n.encode()); i += 2
    return b"".join(out)

def literals(path):
    src = read(path).decode("utf-8")
    i, n = 0, len(src)
    pieces, cur, last_end = [], None, -1
    def flush():
        nonlocal cur
        if cur is not None:
            pieces.append(cur)
        cur = None
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            i = src.find("\n", i); i = n if i < 0 else i; continue
        if src.startswith("/*", i):
            i = src.find("*/", i) + 2; continue
        if c == "'" and i > 0 and src[i - 1].isalnum():  # a digit separator (1'000), not a literal
            i += 1; continue
        if c == "'":
            j = i + 1
            while src[j] != "'":
                j += 2 if src[j] == "\\" else 1
            i = j + 1; flush(); continue
        m = re.match(r'(u8|u|U|L)?R"([^ ()\\\t\n]{0,16})\(', src[i:i + 40])
        if m and (i == 0 or not (src[i - 1].isalnum() or src[i - 1] == "_")):
            end = src.find(")" + m.group(2) + '"', i + m.end())
            text = src[i + m.end():end].encode()
            gap = src[last_end:i] if last_end >= 0 else "x"
            if cur is not None and gap.strip() == "":
                cur += text
            else:
                flush(); cur = text
            i = end + len(m.group(2)) + 2; last_end = i; continue
        if c == '"':
            j = i + 1
            while src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            text = decode_escapes(src[i + 1:j])
            gap = src[last_end:i] if last_end >= 0 else "x"
            if cur is not None and gap.strip() == "":
                cur += text
            else:
                flush(); cur = text
            i = j + 1; last_end = i; continue
        if not c.isspace():
            flush()
        i += 1
    flush()
    return pieces

def test_literals(*names):
    out = []
    for name in names:
        out += literals(os.path.join("tests", name))
    return out

def is_json_like(b):
    s = b.lstrip()
    return s[:1] in (b"{", b"[")

def head_lines(data, limit):
    """Whole lines from the start of `data`, at most `limit` bytes (at least one line)."""
    out = b""
    for line in data.splitlines(keepends=True):
        if out and len(out) + len(line) > limit:
            break
        out += line
    return out

# ---- the corpora -----------------------------------------------------------------------------
seeds = {k: [] for k in ("parse_event", "reader", "filter", "query", "policy_load", "policy_apply")}

def add(name, data):
    if 0 < len(data) <= MAX_SEED or (len(data) == 0 and name == "filter"):
        seeds[name].append(data)

jsonl = read("examples/data/sample.jsonl")
pt1h = read("examples/data/sample-aks-pt1h.json")
eventhub = read("examples/data/sample-aks-eventhub.json")
eventlist = read("examples/data/sample-eventlist.json")
policies = [read("examples/policies/" + p) for p in sorted(os.listdir(os.path.join(root, "examples/policies")))]

# Small EventList / Event Hub documents made from the samples' first items.
el = json.loads(eventlist.splitlines()[0])
el["items"] = el["items"][:2]
eventlist_small = json.dumps(el, separators=(",", ":")).encode() + b"\n"
eventlist_pretty = json.dumps(el, indent=2).encode() + b"\n"
eh_lines = []
for line in eventhub.splitlines():
    msg = json.loads(line)
    msg["records"] = msg["records"][:2]
    eh_lines.append(json.dumps(msg, separators=(",", ":")).encode())
eventhub_small = b"\n".join(eh_lines) + b"\n"
array_small = json.dumps([json.loads(l) for l in jsonl.splitlines()[:2]], indent=1).encode()

test_json = [s for s in test_literals("parser_test.cpp", "event_test.cpp", "write_test.cpp", "reader_test.cpp",
                                      "formats_test.cpp", "policy_apply_test.cpp", "prefilter_equality_test.cpp",
                                      "parallel_test.cpp", "source_test.cpp") if is_json_like(s) and len(s) > 8]

# parse_event: single events (the sample lines, the events of the tests).
for line in jsonl.splitlines()[:20]:
    add("parse_event", line)
add("parse_event", json.dumps(el["items"][0], indent=2).encode())
for s in test_json:
    add("parse_event", s)

# reader: byte 0 = options, byte 1 = parameter (see fuzz_reader.cpp), then the input.
AUTO, JSONL, EVENTLIST, ARRAY, AKS, LA = 0, 1, 2, 3, 4, 5
GZ, MASK, PAR, SMALL, PRE = 0x08, 0x10, 0x20, 0x40, 0x80
inputs = [
    (head_lines(jsonl, 3000), JSONL),
    (head_lines(pt1h, 3000), AKS),
    (eventhub_small[:MAX_SEED - 2] if len(eventhub_small) <= MAX_SEED - 2 else head_lines(pt1h, 1500), AKS),
    (eventlist_small if len(eventlist_small) <= 4000 else head_lines(jsonl, 1000), EVENTLIST),
    (eventlist_pretty if len(eventlist_pretty) <= 5000 else head_lines(jsonl, 1000), EVENTLIST),
    (array_small, ARRAY),
]
for k, (data, fmt) in enumerate(inputs):
    for sel in (AUTO, fmt, GZ | PAR, PRE | MASK, PAR | PRE | fmt):
        add("reader", bytes([sel, (k * 37 + sel) & 0xFF]) + data)
for k, s in enumerate(test_literals("reader_test.cpp", "formats_test.cpp", "parallel_test.cpp", "source_test.cpp")):
    if len(s) > 8 and (is_json_like(s) or b"\n" in s):
        add("reader", bytes([(AUTO, PAR, PRE, GZ, SMALL)[k % 5], k & 0xFF]) + s)
add("reader", bytes([GZ, 7]) + zlib.compress(head_lines(jsonl, 2000), 9, ) )  # zlib, not gzip: an error
gz = zlib.compressobj(9, zlib.DEFLATED, 31)
add("reader", bytes([AUTO, 1]) + gz.compress(head_lines(jsonl, 3000)) + gz.flush())

# filter and query: the expressions / pipelines of the tests, some followed by NUL and events.
def add_expressions(name, texts):
    seen = set()
    for s in texts:
        if s not in seen:
            seen.add(s); add(name, s)
    for k, s in enumerate(texts[:12]):
        add(name, s + b"\0" + head_lines((jsonl, pt1h, eventhub_small, eventlist_small)[k % 4], 2500))

OPERATOR = re.compile(rb"==|!=|=~|<|>|\b(has|in|contains|startswith|endswith|hasprefix|matches|between|and|or|not)\b|empty\(|ipv4")
add_expressions("filter", [s for s in test_literals("filter_test.cpp", "prefilter_equality_test.cpp", "prefilter_test.cpp")
                           if not is_json_like(s) and 3 <= len(s) <= 400 and b"\n" not in s and OPERATOR.search(s)])
PIPELINE = re.compile(rb"\bsummarize\b")
add_expressions("query", [s for s in test_literals("aggregate_test.cpp", "cli_test.cpp")
                          if not is_json_like(s) and 9 <= len(s) <= 600 and b"\n" not in s and PIPELINE.search(s)])

# policy_load: the example policies and the policies of the tests.
def policy_like(s):
    return b"rules" in s or b"apiVersion" in s or b"level" in s
test_policies = [s for s in test_literals("policy_test.cpp", "policy_apply_test.cpp", "cli_test.cpp") if policy_like(s)]
for p in policies:
    add("policy_load", p)
for s in test_policies:
    add("policy_load", s)

# policy_apply: policy, NUL, events.
for k, p in enumerate(policies + test_policies[:10]):
    data = (jsonl, pt1h, eventhub_small, eventlist_small)[k % 4]
    add("policy_apply", p + b"\0" + head_lines(data, 3500))
for p in policies:
    add("policy_apply", p)

# ---- write ----------------------------------------------------------------------------------
if os.path.isdir(corpus):
    shutil.rmtree(corpus)
total = 0
for name, items in seeds.items():
    d = os.path.join(corpus, name)
    os.makedirs(d)
    for data in dict.fromkeys(items):  # dedupe, keep order
        with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
            f.write(data)
        total += len(data)
    print(f"{name}: {len(os.listdir(d))} seeds")
print(f"total: {total} bytes")
PY
