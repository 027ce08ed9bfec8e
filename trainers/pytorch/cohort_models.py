"""The modules a study can name for Cohort's PyTorch worker, and how their files are read.

A study's module is a file every site holds, named by its SHA-256 in the study's terms:
- a TorchScript file (torch.jit.save), or
- a module class ("package.module:ClassName", importable from a package path, or this file's
  classes such as SmallCnn) plus a state dict file: the safetensors format (read with the
  `safetensors` package where it is installed, else by hand: Debian has no python3-safetensors and
  the format is simple and documented) or a torch.save file (loaded with weights_only).
Nothing is downloaded.
"""

import hashlib
import io
import importlib
import json
import os
import struct
import sys

import torch

# safetensors' dtype names and PyTorch's types (the ones a state dict of a vision or language model uses).
SAFETENSORS_DTYPES = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I64": torch.int64,
    "I32": torch.int32,
    "I16": torch.int16,
    "I8": torch.int8,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}
MAX_HEADER = 100 << 20


class SmallCnn(torch.nn.Module):
    """A small image classifier: conv stem + pooling, one residual block, global pooling, dense head.

    Random initialisation from torch's generator (seed it first); no normalisation layers, so that
    per-example gradients are well defined (batch statistics would mix a batch's examples).
    """

    def __init__(self, in_channels=3, classes=2, width=32, hidden=64):
        super().__init__()
        self.stem = torch.nn.Conv2d(in_channels, width, 3, padding=1)
        self.pool = torch.nn.MaxPool2d(2)
        self.block_conv1 = torch.nn.Conv2d(width, width, 3, padding=1)
        self.block_conv2 = torch.nn.Conv2d(width, width, 3, padding=1)
        self.hidden = torch.nn.Linear(width, hidden)
        self.head = torch.nn.Linear(hidden, classes)

    def forward(self, x):
        x = self.pool(torch.relu(self.stem(x)))
        # The residual block: two convolutions and the skip connection around them.
        x = torch.relu(x + self.block_conv2(torch.relu(self.block_conv1(x))))
        x = torch.flatten(torch.nn.functional.adaptive_avg_pool2d(x, 1), 1)
        return self.head(torch.relu(self.hidden(x)))


class Mlp(torch.nn.Module):
    """A multilayer perceptron for tables: dense layers `layers.0`, `layers.1`… with ReLU, then a dense `head`.

    Each row is flattened first, so a study's input_shape may be [features] or any shape of that size.
    """

    def __init__(self, inputs, hidden=(16,), classes=2):
        super().__init__()
        widths = [int(inputs)] + [int(h) for h in hidden]
        self.layers = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in zip(widths, widths[1:]))
        self.head = torch.nn.Linear(widths[-1], int(classes))

    def forward(self, x):
        x = torch.flatten(x, 1)
        for layer in self.layers:
            x = torch.relu(layer(x))
        return self.head(x)


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_digest(path, expected):
    read_checked(path, expected)


def read_checked(path, expected):
    """The file's bytes, read once and checked against the study's digest: what is loaded is what was hashed
    (hashing the path and then opening it again would let a file swapped in between be loaded unchecked)."""
    if not expected:
        raise ValueError("the module file %s has no sha256 in the study's terms: every site must train the same"
                         " base, named by its digest" % path)
    if not os.path.isfile(path):
        raise ValueError("the module file %s is not on this site (every site needs the study's file)" % path)
    with open(path, "rb") as f:
        raw = f.read()
    actual = hashlib.sha256(raw).hexdigest()
    if actual != expected.lower():
        raise ValueError("the module file %s has sha256 %s, not the study's %s: this site holds another base"
                         % (path, actual, expected.lower()))
    return raw


def save_safetensors(tensors, path):
    """Writes {name: tensor} in the safetensors format (8-byte little-endian header length, JSON header, data)."""
    names = {v: k for k, v in SAFETENSORS_DTYPES.items()}
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to("cpu").contiguous()
        data = t.view(torch.uint8).numpy().tobytes() if t.dtype != torch.bool else t.numpy().tobytes()
        header[name] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the format pads the header to 8 bytes
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def load_safetensors(path):
    with open(path, "rb") as f:
        return parse_safetensors(f.read(), path)


def parse_safetensors(raw, path):
    """{name: tensor} from a safetensors file's bytes ({@code path} only names it in errors)."""
    try:
        from safetensors.torch import load
        return load(raw)
    except ImportError:
        pass
    if len(raw) < 8:
        raise ValueError("%s is not a safetensors file (shorter than its header length)" % path)
    (n,) = struct.unpack("<Q", raw[:8])
    if n > MAX_HEADER or 8 + n > len(raw):
        raise ValueError("%s is not a safetensors file (header length %d)" % (path, n))
    try:
        header = json.loads(raw[8:8 + n])
    except ValueError as e:
        raise ValueError("%s is not a safetensors file (its header is not JSON: %s)" % (path, e))
    data = raw[8 + n:]
    out = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        dtype = SAFETENSORS_DTYPES.get(spec.get("dtype"))
        if dtype is None:
            raise ValueError("%s: tensor %s has dtype %s, which this reader does not take" % (path, name, spec.get("dtype")))
        start, end = spec["data_offsets"]
        count = 1
        for d in spec["shape"]:
            count *= d
        if not 0 <= start <= end <= len(data) or end - start != count * torch.tensor([], dtype=dtype).element_size():
            raise ValueError("%s: tensor %s's bytes do not fit its shape %s" % (path, name, spec["shape"]))
        buf = bytearray(data[start:end])
        flat = torch.frombuffer(buf, dtype=dtype) if count else torch.empty(0, dtype=dtype)
        out[name] = flat.reshape(spec["shape"]).clone()
    return out


def load_state_dict(path, raw=None):
    """A state dict from a file, or from its bytes already read (and checked) as {@code raw}."""
    if raw is None:
        with open(path, "rb") as f:
            raw = f.read()
    if raw[:2] == b"PK":  # torch.save's zip format
        try:
            return torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
        except TypeError:  # a PyTorch before 1.13 has no weights_only
            raise ValueError("this PyTorch cannot load %s safely (no weights_only); give a safetensors file" % path)
    return parse_safetensors(raw, path)


def module_class(name, package_path):
    if ":" not in name:
        raise ValueError("module_class must be 'package.module:ClassName', not '%s'" % name)
    mod_name, cls_name = name.split(":", 1)
    if package_path:
        if not os.path.isdir(package_path):
            raise ValueError("the module's package path %s is not a directory on this site" % package_path)
        if package_path not in sys.path:
            sys.path.insert(0, package_path)
    try:
        mod = importlib.import_module(mod_name)
    except ImportError as e:
        raise ValueError("cannot import %s (%s); give the directory that holds it as package_path" % (mod_name, e))
    cls = getattr(mod, cls_name, None)
    if not (isinstance(cls, type) and issubclass(cls, torch.nn.Module)):
        raise ValueError("%s has no torch.nn.Module class %s" % (mod_name, cls_name))
    return cls


def load_module(spec):
    """The base module a ModuleModel names, on the CPU, in training mode; files checked against their digest."""
    if bool(spec.torchscript) == bool(spec.module_class):
        raise ValueError("a module model names exactly one of torchscript and module_class")
    if spec.torchscript:
        raw = read_checked(spec.torchscript, spec.sha256)
        return torch.jit.load(io.BytesIO(raw), map_location="cpu")
    cls = module_class(spec.module_class, spec.package_path)
    try:
        kwargs = json.loads(spec.module_args_json) if spec.module_args_json else {}
    except ValueError as e:
        raise ValueError("module_args_json is not JSON: %s" % e)
    if not isinstance(kwargs, dict):
        raise ValueError("module_args_json must be a JSON object of keyword arguments")
    # A random base (no state dict) must be the same on every site: seeded, on the CPU.
    torch.manual_seed(spec.seed)
    try:
        module = cls(**kwargs)
    except TypeError as e:
        raise ValueError("%s does not take %s: %s" % (spec.module_class, kwargs, e))
    if spec.state_dict:
        raw = read_checked(spec.state_dict, spec.sha256)
        state = load_state_dict(spec.state_dict, raw)
        missing, unexpected = module.load_state_dict(state, strict=False)
        if missing or unexpected:
            raise ValueError("the state dict %s does not fit %s: missing %s, unexpected %s"
                             % (spec.state_dict, spec.module_class, list(missing)[:5], list(unexpected)[:5]))
    return module


# So that studies can name "cohort_models:SmallCnn" without a package path.
sys.modules.setdefault("cohort_models", sys.modules[__name__])
