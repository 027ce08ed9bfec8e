"""Low-rank adapters (LoRA) on nn.Linear and nn.Conv2d layers of a frozen base, in plain PyTorch.

Each targeted layer computes base(x) + (alpha / rank) * B(A(x)): A maps the layer's input to `rank`
channels (for a convolution with the base's kernel, stride, padding and dilation), B maps them back
with a 1x1 map and starts at zero, so the adapted module starts equal to its base. Only A and B
train; the base's parameters are frozen and never travel.

Why not peft: every site must start from the same A (the federation averages offsets from it), so A
comes from a generator seeded by the study, in a fixed order, and the tensor names must not depend
on a library's version; peft initialises from the global generator and names tensors by its own
conventions. The arithmetic is the same as peft's LoRA (scaling alpha / rank, B zero at start).
"""

import fnmatch
import math

import torch
import torch.nn.functional as F


class LoraLinear(torch.nn.Module):
    def __init__(self, base, rank, alpha, generator):
        super().__init__()
        self.base = base
        self.scaling = alpha / rank
        bound = 1.0 / math.sqrt(base.in_features)  # kaiming-uniform with a = sqrt(5), as nn.Linear and peft
        self.lora_A = torch.nn.Parameter(
            (torch.rand(rank, base.in_features, generator=generator) * 2 - 1) * bound)
        self.lora_B = torch.nn.Parameter(torch.zeros(base.out_features, rank))

    def forward(self, x):
        return self.base(x) + self.scaling * F.linear(F.linear(x, self.lora_A), self.lora_B)


class LoraConv2d(torch.nn.Module):
    def __init__(self, base, rank, alpha, generator):
        super().__init__()
        if base.groups != 1:
            raise ValueError("LoRA on a grouped convolution (groups=%d) is not supported" % base.groups)
        if base.padding_mode != "zeros" or isinstance(base.padding, str):
            raise ValueError("LoRA on a convolution needs numeric zero padding, not %s/%s"
                             % (base.padding_mode, base.padding))
        self.base = base
        self.scaling = alpha / rank
        kh, kw = base.kernel_size
        bound = 1.0 / math.sqrt(base.in_channels * kh * kw)
        self.lora_A = torch.nn.Parameter(
            (torch.rand(rank, base.in_channels, kh, kw, generator=generator) * 2 - 1) * bound)
        self.lora_B = torch.nn.Parameter(torch.zeros(base.out_channels, rank, 1, 1))

    def forward(self, x):
        b = self.base
        low = F.conv2d(x, self.lora_A, None, b.stride, b.padding, b.dilation)
        return b(x) + self.scaling * F.conv2d(low, self.lora_B)


def adaptable_layers(module):
    return [(name, m) for name, m in module.named_modules()
            if name and isinstance(m, (torch.nn.Linear, torch.nn.Conv2d))]


def apply_lora(module, rank, alpha, targets, seed, train=()):
    """Freezes `module` and wraps the layers `targets` name (names or fnmatch patterns) with adapters.

    Returns the adapted module (the same object, re-wired). A comes from a CPU generator seeded by
    `seed`, layer by layer in named_modules order, so every site gets the same start. The modules
    `train` names (peft's modules_to_save: typically a new classification head) stay trainable whole.
    """
    if isinstance(module, torch.jit.ScriptModule):
        raise ValueError("LoRA needs the module's class (module_class): a TorchScript module cannot be re-wired")
    if rank < 1:
        raise ValueError("lora.rank must be at least 1, is %d" % rank)
    if not alpha > 0:
        raise ValueError("lora.alpha must be positive, is %s" % alpha)
    if not targets:
        raise ValueError("lora.targets is empty: name the nn.Linear / nn.Conv2d layers to adapt")
    layers = adaptable_layers(module)
    chosen = []
    for pattern in targets:
        hits = [name for name, _ in layers if fnmatch.fnmatchcase(name, pattern)]
        if not hits:
            raise ValueError("lora.targets: '%s' matches no nn.Linear or nn.Conv2d layer; the module's are: %s"
                             % (pattern, ", ".join(name for name, _ in layers)))
        chosen.extend(h for h in hits if h not in chosen)
    for p in module.parameters():
        p.requires_grad_(False)
    modules = [(name, m) for name, m in module.named_modules() if name]
    for pattern in train:
        hits = [m for name, m in modules if fnmatch.fnmatchcase(name, pattern)]
        if not hits:
            raise ValueError("lora.train: '%s' matches no module; the module's are: %s"
                             % (pattern, ", ".join(name for name, _ in modules)))
        for m in hits:
            for p in m.parameters():
                p.requires_grad_(True)
    generator = torch.Generator().manual_seed(seed)
    for name, layer in layers:  # named_modules order, whatever the order of the patterns
        if name not in chosen:
            continue
        if isinstance(layer, torch.nn.Linear):
            wrapped = LoraLinear(layer, rank, alpha, generator)
        else:
            wrapped = LoraConv2d(layer, rank, alpha, generator)
        parent_name, _, child = name.rpartition(".")
        parent = module.get_submodule(parent_name) if parent_name else module
        setattr(parent, child, wrapped)
    return module


def trainable(module):
    """The parameters that train and travel, (name, tensor) in named_parameters order."""
    return [(n, p) for n, p in module.named_parameters() if p.requires_grad]
