#!/usr/bin/env python3
"""Cohort's reference PyTorch trainer: serves cohort.trainer.v1 on a Unix domain socket.

The site agent starts this program as its child (trainer.kind=external, trainer.command=python3
.../cohort_torch_worker.py), appends --socket PATH, and sends it one round's job at a time: the
global model (float32, little-endian, in the layout the header states), the site's preprocessed
training rows and the plan. It trains and streams back the update (local - global) with a privacy
report. It never sees keys, the network, the study's terms or the ledger: the agent checks the
report against the study's terms before anything is charged or sent. With TrainHeader.predict it
answers each row's class probabilities instead (a module study's held-out evaluation: the agent keeps
the labels and computes the metrics).

Patient-level DP-SGD: Poisson sampling (each row independently with probability q), per-sample
gradients (vectorised with torch.func / functorch where available, else computed by hand for the
dense layers), per-sample clipping to L2 norm C, Gaussian noise N(0, (sigma*C)^2) on the sum from a
torch.Generator seeded by os.urandom, division by q x the declared training size, optimiser step.
See the README's "Trainer boundary" section for the floating-point caveats.

Runs on Debian's PyTorch 1.13 (python3-torch) and on PyTorch 2.x. Needs grpcio and protobuf; the
message classes are generated at start with protoc (Debian's protobuf-compiler) or grpc_tools from
the protocol's .proto file (--proto, $COHORT_TRAINER_PROTO, or the repository's copy).
Nothing is downloaded.
"""

import argparse
import hashlib
import importlib
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
from concurrent import futures

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cohort_lora  # noqa: E402  (next to this file)
import cohort_models  # noqa: E402

PROTOCOL = "cohort.trainer.v1"
SERVICE = "cohort.trainer.v1.Trainer"
CHUNK = 1 << 20
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_PROTO = os.path.join(
    HERE, "..", "..", "protocol", "src", "main", "proto", "cohort", "trainer", "v1", "trainer.proto")
# Test-only misbehaviour, so the agent's checks can be tested against a real process.
MISBEHAVE = os.environ.get("COHORT_TRAINER_TEST_MISBEHAVE", "")


def load_messages(proto_path):
    """Generates the message classes from trainer.proto with protoc (or grpc_tools) and imports them."""
    proto_path = os.path.abspath(proto_path)
    if not os.path.isfile(proto_path):
        raise SystemExit("cohort-torch-worker: no trainer.proto at %s (give --proto)" % proto_path)
    # .../cohort/trainer/v1/trainer.proto: the include root is three levels up.
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(proto_path))))
    rel = os.path.relpath(proto_path, root)
    out = tempfile.mkdtemp(prefix="cohort-trainer-pb-")
    protoc = shutil.which("protoc")
    if protoc:
        cmd = [protoc, "-I", root, "--python_out", out, rel]
    else:
        cmd = [sys.executable, "-m", "grpc_tools.protoc", "-I", root, "--python_out", out, rel]
    done = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit("cohort-torch-worker: cannot generate the protocol's classes (%s): %s"
                         % (" ".join(cmd), done.stderr.strip()))
    for d in ("cohort", os.path.join("cohort", "trainer"), os.path.join("cohort", "trainer", "v1")):
        open(os.path.join(out, d, "__init__.py"), "a").close()
    sys.path.insert(0, out)
    try:
        return importlib.import_module("cohort.trainer.v1.trainer_pb2")
    finally:
        # Loaded: the generated files are not needed again.
        sys.path.remove(out)
        shutil.rmtree(out, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# The model: dense layers as the agent describes them (weights [out, in] row-major, then bias).

ACTIVATIONS = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "identity": lambda x: x,
}


class DenseNet(torch.nn.Module):
    def __init__(self, layers):
        super().__init__()
        self.acts = []
        self.layers = torch.nn.ModuleList()
        for i, layer in enumerate(layers):
            last = i == len(layers) - 1
            if last and layer.activation != "softmax":
                raise ValueError("the last layer must be softmax, is %s" % layer.activation)
            if not last and layer.activation not in ACTIVATIONS:
                raise ValueError("unsupported activation %s" % layer.activation)
            self.layers.append(torch.nn.Linear(layer.inputs, layer.outputs))
            self.acts.append(layer.activation)

    def forward(self, x):
        for i, lin in enumerate(self.layers):
            x = lin(x)
            if self.acts[i] != "softmax":
                x = ACTIVATIONS[self.acts[i]](x)
        return x  # logits; softmax is in the loss


def parameters_in_order(net):
    out = []
    for i, lin in enumerate(net.layers):
        out.append(("layers.%d.weight" % i, lin.weight))
        out.append(("layers.%d.bias" % i, lin.bias))
    return out


# ---------------------------------------------------------------------------------------------
# Per-sample gradients of the summed cross-entropy, one row per example.

def _functional_api():
    try:
        from torch.func import functional_call, grad, vmap  # PyTorch 2.x
        return functional_call, grad, vmap, "torch.func"
    except ImportError:
        pass
    try:
        from functorch import grad, vmap  # PyTorch 1.13 (Debian's python3-torch)
        from torch.nn.utils.stateless import functional_call
        return functional_call, grad, vmap, "functorch"
    except ImportError:
        return None


FUNCTIONAL = _functional_api()


def per_sample_grads_functional(net, x, y):
    functional_call, grad, vmap, _ = FUNCTIONAL
    names = [n for n, _ in parameters_in_order(net)]
    params = {n: p.detach() for n, p in parameters_in_order(net)}

    def loss_one(p, xi, yi):
        logits = functional_call(net, p, (xi.unsqueeze(0),))
        return torch.nn.functional.cross_entropy(logits, yi.unsqueeze(0), reduction="sum")

    grads = vmap(grad(loss_one), in_dims=(None, 0, 0))(params, x, y)
    return [grads[n] for n in names]


def per_sample_grads_manual(net, x, y):
    """Backpropagation by hand for dense layers, batched over examples (no per-example loop)."""
    inputs, pre = [], []
    a = x
    for i, lin in enumerate(net.layers):
        inputs.append(a)
        z = a @ lin.weight.detach().t() + lin.bias.detach()
        pre.append(z)
        a = z if net.acts[i] == "softmax" else ACTIVATIONS[net.acts[i]](z)
    delta = torch.softmax(pre[-1], dim=1)
    delta[torch.arange(x.shape[0]), y] -= 1.0
    grads = [None] * (2 * len(net.layers))
    for i in range(len(net.layers) - 1, -1, -1):
        grads[2 * i] = torch.einsum("bo,bi->boi", delta, inputs[i])
        grads[2 * i + 1] = delta
        if i > 0:
            back = delta @ net.layers[i].weight.detach()
            z = pre[i - 1]
            act = net.acts[i - 1]
            if act == "relu":
                back = back * (z > 0).to(back.dtype)
            elif act == "tanh":
                back = back * (1 - torch.tanh(z) ** 2)
            elif act == "sigmoid":
                s = torch.sigmoid(z)
                back = back * s * (1 - s)
            delta = back
    return grads


def per_sample_grads(net, x, y):
    if FUNCTIONAL is not None and MISBEHAVE != "manual-grads":
        return per_sample_grads_functional(net, x, y)
    return per_sample_grads_manual(net, x, y)


# ---------------------------------------------------------------------------------------------
# Training.

def make_optimizer(plan, params):
    name = plan.optimizer.lower()
    if name == "sgd":
        return torch.optim.SGD(params, lr=plan.learning_rate)
    if name == "adam":
        return torch.optim.Adam(params, lr=plan.learning_rate, betas=(0.9, 0.999), eps=1e-8)
    if name == "nesterov":
        return torch.optim.SGD(params, lr=plan.learning_rate, momentum=0.9, nesterov=True)
    raise ValueError("unknown optimiser %s" % plan.optimizer)


def os_seeded_generator(device):
    g = torch.Generator(device=device)
    g.manual_seed(int.from_bytes(os.urandom(8), "little") & ((1 << 63) - 1))
    return g


class Trainee:
    """What a job trains: the network, its trainable tensors in the vector's order, per-example gradients.

    `amp` is the forward pass's autocast context (bfloat16 on a GPU that has it, else a no-op):
    parameters, gradients, clipping and noise stay float32.
    """

    def __init__(self, net, params, per_sample, amp):
        self.net, self.params, self.per_sample, self.amp = net, params, per_sample, amp

    def logits(self, x):
        with self.amp():
            return self.net(x).float()


def dense_trainee(net, amp):
    return Trainee(net, parameters_in_order(net), lambda x, y: per_sample_grads(net, x, y), amp)


def module_trainee(net, amp):
    params = cohort_lora.trainable(net)
    scripted = isinstance(net, torch.jit.ScriptModule)

    def per_sample(x, y):
        if FUNCTIONAL is not None and not scripted and MISBEHAVE != "manual-grads":
            return per_sample_grads_module(net, params, x, y, amp)
        return per_sample_grads_loop(net, params, x, y, amp)

    return Trainee(net, params, per_sample, amp)


def per_sample_grads_module(net, params, x, y, amp):
    """Vectorised per-example gradients of the trainable tensors only (the frozen base stays the module's)."""
    functional_call, grad, vmap, _ = FUNCTIONAL
    names = [n for n, _ in params]
    values = {n: p.detach() for n, p in params}

    def loss_one(p, xi, yi):
        with amp():
            logits = functional_call(net, p, (xi.unsqueeze(0),)).float()
        return torch.nn.functional.cross_entropy(logits, yi.unsqueeze(0), reduction="sum")

    grads = vmap(grad(loss_one), in_dims=(None, 0, 0))(values, x, y)
    return [grads[n] for n in names]


def per_sample_grads_loop(net, params, x, y, amp):
    """One backward pass per example: for TorchScript modules, which torch.func cannot call functionally."""
    out = [torch.zeros((x.shape[0],) + tuple(p.shape), device=p.device, dtype=p.dtype) for _, p in params]
    tensors = [p for _, p in params]
    for b in range(x.shape[0]):
        with amp():
            logits = net(x[b:b + 1]).float()
        loss = torch.nn.functional.cross_entropy(logits, y[b:b + 1], reduction="sum")
        for k, g in enumerate(torch.autograd.grad(loss, tensors)):
            out[k][b] = g
    return out


def train_plain(trainee, x, y, plan, device):
    opt = make_optimizer(plan, [p for _, p in trainee.params])
    g = os_seeded_generator("cpu")
    n = x.shape[0]
    last_loss, last_count, processed = 0.0, 0, 0
    for epoch in range(plan.local_epochs):
        order = torch.randperm(n, generator=g).to(device)
        epoch_loss, count = 0.0, 0
        for start in range(0, n, plan.batch_size):
            idx = order[start:start + plan.batch_size]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(trainee.logits(x[idx]), y[idx])
            loss.backward()
            opt.step()
            epoch_loss += loss.item() * len(idx)
            count += len(idx)
        last_loss, last_count = epoch_loss, count
        processed += count
    return last_loss / max(1, last_count), 0, processed


def train_dp(trainee, x, y, plan, dp, device, microbatch):
    params = [p for _, p in trainee.params]
    opt = make_optimizer(plan, params)
    # Sampling and noise from generators seeded by the operating system's CSPRNG.
    sampling = os_seeded_generator("cpu")
    noise = os_seeded_generator(device)
    n = x.shape[0]
    std = dp.noise_multiplier * dp.clip_norm
    steps_per_epoch = int(torch.ceil(torch.tensor(1.0 / dp.sampling_rate - 1e-9)).item())
    window_start = max(0, dp.steps - steps_per_epoch)
    window_loss, window_count, processed = 0.0, 0, 0
    for step in range(dp.steps):
        # float64 uniforms: P(u < q) exceeds q by less than 2^-53 (float32's would by up to 2^-24).
        u = torch.rand(n, generator=sampling, dtype=torch.float64)
        chosen = (u < dp.sampling_rate).nonzero().flatten().to(device)
        sums = [torch.zeros_like(p) for p in params]
        # Per-example gradients a slice at a time, so memory is bounded by the microbatch, not the batch.
        for part in chosen.split(microbatch):
            xb, yb = x[part], y[part]
            grads = trainee.per_sample(xb, yb)
            norms = torch.sqrt(sum((gr.reshape(gr.shape[0], -1).double() ** 2).sum(dim=1) for gr in grads))
            factor = torch.clamp(dp.clip_norm / torch.clamp(norms, min=1e-30), max=1.0).to(grads[0].dtype)
            for k, gr in enumerate(grads):
                sums[k] += (gr * factor.view(-1, *([1] * (gr.dim() - 1)))).sum(dim=0)
            if step >= window_start:
                with torch.no_grad():
                    window_loss += torch.nn.functional.cross_entropy(trainee.logits(xb), yb, reduction="sum").item()
                window_count += len(part)
        processed += len(chosen)
        for k, p in enumerate(params):
            # An empty batch is still a step of the mechanism: it releases noise alone.
            noised = sums[k] + torch.normal(0.0, std, size=sums[k].shape, generator=noise, device=device)
            p.grad = (noised / dp.divisor).to(p.dtype)
        opt.step()
    return (window_loss / window_count if window_count else float("nan")), dp.steps, processed


# ---------------------------------------------------------------------------------------------
# The service.

def autocast_for(device, precision):
    """The forward pass's autocast context and its name: bfloat16 on a GPU that supports it (Ampere and
    later) unless float32 is asked for; float32 elsewhere (float16 would need loss scaling, which
    per-example clipping does not mix with)."""
    import contextlib
    if device.type == "cuda" and precision in ("auto", "bfloat16"):
        if torch.cuda.is_bf16_supported():
            return (lambda: torch.autocast(device_type="cuda", dtype=torch.bfloat16)), "bfloat16 autocast"
        if precision == "bfloat16":
            raise SystemExit("cohort-torch-worker: this GPU has no bfloat16; use --precision float32")
    if device.type != "cuda" and precision == "bfloat16":
        raise SystemExit("cohort-torch-worker: --precision bfloat16 needs a CUDA device")
    return contextlib.nullcontext, "float32"


class Worker:
    def __init__(self, pb, device, precision="auto", microbatch=128):
        self.pb = pb
        self.device = device
        self.amp, self.precision = autocast_for(device, precision)
        self.microbatch = microbatch
        self.lock = threading.Lock()

    def describe(self, request, context):
        dev = str(self.device)
        if self.device.type == "cuda":
            dev += " (%s)" % torch.cuda.get_device_name(self.device)
        return self.pb.TrainerInfo(protocol=PROTOCOL, framework="pytorch", framework_version=torch.__version__,
                                   device=dev, model_kinds=["dense", "module"])

    def train(self, request_iterator, context):
        import grpc
        pb = self.pb
        header = None
        params, features, labels = bytearray(), bytearray(), bytearray()
        for part in request_iterator:
            kind = part.WhichOneof("part")
            if kind == "header":
                header = part.header
            elif kind == "parameters":
                params += part.parameters
            elif kind == "features":
                features += part.features
            elif kind == "labels":
                labels += part.labels
        if header is None:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "no header")
        for name, data, digest in (("parameters", params, header.parameters_sha256),
                                   ("features", features, header.features_sha256),
                                   ("labels", labels, header.labels_sha256)):
            if hashlib.sha256(bytes(data)).digest() != digest:
                context.abort(grpc.StatusCode.DATA_LOSS, "the %s do not match their digest" % name)
        sizes = [1] * len(header.tensors)
        for k, t in enumerate(header.tensors):
            for d in t.shape:
                sizes[k] *= d
        if (header.tensors or header.model.kind != "module") and sum(sizes) * 4 != len(params):
            context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                          "%d parameter bytes for tensors of %d values" % (len(params), sum(sizes)))
        rows, width = header.rows, header.features
        if len(features) != rows * width * 4 or len(labels) != (0 if header.predict else rows * 4):
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "the data's size does not match %d x %d" % (rows, width))
        with self.lock:  # one job at a time
            started = time.monotonic()
            if self.device.type == "cuda":
                torch.cuda.reset_peak_memory_stats(self.device)
            try:
                result, update = self._train(header, params, features, labels)
            except ValueError as e:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(e))
            if self.device.type == "cuda":
                torch.cuda.synchronize(self.device)
                result.device_max_memory_bytes = torch.cuda.max_memory_allocated(self.device)
            result.millis = int((time.monotonic() - started) * 1000)
            result.precision = self.precision
        for start in range(0, len(update), CHUNK):
            yield pb.TrainOutput(update=update[start:start + CHUNK])
        yield pb.TrainOutput(result=result)

    def _dense(self, header, flat):
        if header.model.loss != "softmax-cross-entropy":
            raise ValueError("this worker trains with softmax cross-entropy, not %s" % header.model.loss)
        net = DenseNet(header.model.layers)
        named = parameters_in_order(net)
        if [t.name for t in header.tensors] != [n for n, _ in named] or any(
                list(t.shape) != list(p.shape) for t, (_, p) in zip(header.tensors, named)):
            raise ValueError("the tensors do not match the model's layers")
        net.to(self.device)
        # The dense layout's vector holds the parameters themselves.
        return dense_trainee(net, self.amp), torch.zeros_like(flat), list(header.tensors), None

    def _module(self, header, flat):
        spec = header.model.module
        net = cohort_models.load_module(spec)
        if spec.HasField("lora"):
            net = cohort_lora.apply_lora(net, spec.lora.rank, spec.lora.alpha, list(spec.lora.targets), spec.seed,
                                     list(spec.lora.train))
        named = cohort_lora.trainable(net)
        if not named:
            raise ValueError("the module has no trainable parameters")
        tensors = [self.pb.TensorSpec(name=n, shape=list(p.shape)) for n, p in named]
        if header.tensors and [(t.name, list(t.shape)) for t in header.tensors] != [(t.name, list(t.shape))
                                                                                    for t in tensors]:
            raise ValueError("the tensors the agent sent do not match the module's trainable tensors")
        count = sum(p.numel() for _, p in named)
        if flat.numel() != count:
            raise ValueError("the global model has %d values, but this module's trainable tensors (%s) have %d:"
                             " the study's model and lora settings do not match its parameter count"
                             % (flat.numel(), "LoRA adapters" if spec.HasField("lora") else "all parameters", count))
        # The vector is the offset from the start (the base file's values, and LoRA's seeded A), or with
        # `absolute` the trainable values themselves (a study that states its own initial values).
        start = torch.zeros(count) if spec.absolute else \
            torch.cat([p.detach().reshape(-1) for _, p in named]).to(torch.float32)
        shape = tuple(spec.input_shape)
        if not shape or any(d < 1 for d in shape):
            raise ValueError("a module model needs input_shape (one example's shape, e.g. [3, 32, 32])")
        net.train()
        net.to(self.device)
        return module_trainee(net, self.amp), start, tensors, shape

    def _predict(self, trainee, x, header):
        """Each row's class probabilities under the global parameters (a held-out evaluation): the agent keeps
        the labels and computes the metrics, so the same DP rules apply as for its own evaluations."""
        trainee.net.eval()
        parts = []
        with torch.no_grad():
            for start in range(0, header.rows, 1024):
                parts.append(torch.softmax(trainee.logits(x[start:start + 1024]), dim=1).float().to("cpu"))
        probs = torch.cat(parts) if parts else torch.zeros(0, header.classes)
        if probs.dim() != 2 or probs.shape[1] != header.classes:
            raise ValueError("the model outputs %s values per row, but the study's label has %d classes"
                             % (list(probs.shape[1:]), header.classes))
        out = probs.contiguous().numpy().astype("<f4").tobytes()
        result = self.pb.TrainResult(update_sha256=hashlib.sha256(out).digest(), examples=header.rows,
                                     detail="pytorch %s on %s, predictions of %d rows" % (
                                         torch.__version__, self.device, header.rows))
        return result, out

    def _train(self, header, params, features, labels):
        pb = self.pb
        if MISBEHAVE == "crash":
            os._exit(3)
        if MISBEHAVE == "hang":
            time.sleep(3600)
        flat = torch.frombuffer(bytearray(params), dtype=torch.float32) if params else torch.zeros(0)
        if header.model.kind == "dense":
            trainee, start, tensors, shape = self._dense(header, flat)
        elif header.model.kind == "module":
            trainee, start, tensors, shape = self._module(header, flat)
        else:
            raise ValueError("this worker trains dense and module models, not %s" % header.model.kind)
        global_flat = (start + flat).contiguous()
        with torch.no_grad():
            offset = 0
            for _, p in trainee.params:
                p.copy_(global_flat[offset:offset + p.numel()].view(p.shape))
                offset += p.numel()
        x = torch.frombuffer(bytearray(features), dtype=torch.float32) if features else torch.zeros(0)
        if shape is None:
            x = x.view(header.rows, header.features)
        else:
            size = 1
            for d in shape:
                size *= d
            if size != header.features:
                raise ValueError("input_shape %s holds %d values, but each row has %d features"
                                 % (list(shape), size, header.features))
            x = x.view((header.rows,) + shape)
        if header.predict:
            return self._predict(trainee, x.to(self.device), header)
        y = torch.frombuffer(bytearray(labels), dtype=torch.int32).to(torch.int64) if labels else \
            torch.zeros(0, dtype=torch.int64)
        if header.rows and (int(y.min()) < 0 or int(y.max()) >= header.classes):
            raise ValueError("a label is outside 0..%d" % (header.classes - 1))
        x, y = x.to(self.device), y.to(self.device)
        dp = header.dp if header.HasField("dp") else None
        if dp is not None:
            loss, steps, processed = train_dp(trainee, x, y, header.plan, dp, self.device, self.microbatch)
        else:
            loss, steps, processed = train_plain(trainee, x, y, header.plan, self.device)
        with torch.no_grad():
            local = torch.cat([p.detach().to("cpu").reshape(-1).float() for _, p in trainee.params])
        delta = (local - global_flat).contiguous()
        if MISBEHAVE == "nan":
            delta[0] = float("nan")
        if MISBEHAVE == "wrong-shape":
            delta = delta[:-1].contiguous()
            tensors[-1] = pb.TensorSpec(name=tensors[-1].name, shape=[tensors[-1].shape[0] - 1])
        update = delta.numpy().astype("<f4").tobytes()
        if MISBEHAVE == "long-update":
            update += bytes(8)
        grads_by = ("loop" if isinstance(trainee.net, torch.jit.ScriptModule) else FUNCTIONAL[3]) \
            if FUNCTIONAL and MISBEHAVE != "manual-grads" else ("hand" if shape is None else "loop")
        result = pb.TrainResult(tensors=tensors, update_sha256=hashlib.sha256(update).digest(), examples=header.rows,
                                mean_loss=loss, examples_processed=processed,
                                detail="pytorch %s on %s, per-sample gradients by %s" % (
                                    torch.__version__, self.device, grads_by))
        if dp is not None:
            report = pb.PrivacyReport(steps=steps, sampling_rate=dp.sampling_rate,
                                      noise_multiplier=dp.noise_multiplier, clip_norm=dp.clip_norm,
                                      noise="float%d Gaussian from torch.Generator seeded by os.urandom"
                                            % (torch.finfo(torch.float32).bits))
            if MISBEHAVE == "low-sigma":
                report.noise_multiplier = dp.noise_multiplier / 2
            if MISBEHAVE == "more-steps":
                report.steps = dp.steps + 1
            if MISBEHAVE == "other-clip":
                report.clip_norm = dp.clip_norm * 2
            result.privacy.CopyFrom(report)
        return result, update


def watch_parent():
    """Ends this process when the agent that started it is gone (even after kill -9)."""
    parent = os.getppid()
    while True:
        time.sleep(1)
        if os.getppid() != parent:
            os._exit(0)


def self_test():
    """Checks the two per-sample gradient paths against each other and against autograd, and DP-SGD's shapes."""
    torch.manual_seed(1)

    class L:
        def __init__(self, i, o, a):
            self.inputs, self.outputs, self.activation = i, o, a

    for acts in (["softmax"], ["relu", "softmax"], ["tanh", "sigmoid", "softmax"]):
        widths = [5] + [7] * (len(acts) - 1) + [3]
        net = DenseNet([L(widths[i], widths[i + 1], a) for i, a in enumerate(acts)])
        x = torch.randn(6, 5)
        y = torch.randint(0, 3, (6,))
        manual = per_sample_grads_manual(net, x, y)
        for b in range(6):
            net.zero_grad()
            torch.nn.functional.cross_entropy(net(x[b:b + 1]), y[b:b + 1], reduction="sum").backward()
            for g, (_, p) in zip(manual, parameters_in_order(net)):
                assert torch.allclose(g[b], p.grad, atol=1e-5), "hand-computed gradient differs from autograd"
        if FUNCTIONAL is not None:
            for g, h in zip(manual, per_sample_grads_functional(net, x, y)):
                assert torch.allclose(g, h, atol=1e-5), "%s gradient differs" % FUNCTIONAL[3]
    print("self-test passed: pytorch %s, per-sample gradients by %s and by hand agree with autograd"
          % (torch.__version__, FUNCTIONAL[3] if FUNCTIONAL else "hand only"))


def layout(pb, module_json):
    """The vector a module study exchanges (what its terms state as the parameter count), as JSON."""
    import json
    from google.protobuf import json_format
    spec = json_format.Parse(module_json, pb.ModuleModel())
    net = cohort_models.load_module(spec)
    base = sum(p.numel() for p in net.parameters())
    if spec.HasField("lora"):
        net = cohort_lora.apply_lora(net, spec.lora.rank, spec.lora.alpha, list(spec.lora.targets), spec.seed,
                                     list(spec.lora.train))
    named = cohort_lora.trainable(net)
    return json.dumps({"values": sum(p.numel() for _, p in named), "base_parameters": base,
                       "tensors": [[n, list(p.shape)] for n, p in named]})


def start_values(pb, module_json):
    """The trainable tensors' start values (the base's, and LoRA's seeded A), in the exchanged vector's order: a
    study's model.module.initial, as absolute values, to edit before the study is created."""
    import json
    from google.protobuf import json_format
    spec = json_format.Parse(module_json, pb.ModuleModel())
    net = cohort_models.load_module(spec)
    if spec.HasField("lora"):
        net = cohort_lora.apply_lora(net, spec.lora.rank, spec.lora.alpha, list(spec.lora.targets), spec.seed,
                                     list(spec.lora.train))
    named = cohort_lora.trainable(net)
    return json.dumps({"initial": [float(v) for _, p in named for v in p.detach().reshape(-1)]})


MODULE_NAME = __import__("re").compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def write_module(directory, name, module_class, model_args, seed):
    """Writes a module's start state dict (safetensors, from the class's initialisation seeded by `seed`) into a
    site's module directory and adds it to the directory's manifest (modules.json), what an agent's
    trainer.modules names: for tests and demos; a real site copies the study's file there."""
    import json
    if not MODULE_NAME.fullmatch(name or ""):
        raise ValueError("--name must be 1 to 64 letters, digits, '.', '_' or '-' (starting with a letter or digit),"
                         " got %r" % name)
    try:
        kwargs = json.loads(model_args or "{}")
    except ValueError as e:
        raise ValueError("--model-args is not JSON: %s" % e)
    if not isinstance(kwargs, dict):
        raise ValueError("--model-args must be a JSON object of keyword arguments")
    cls = cohort_models.module_class(module_class, None)
    torch.manual_seed(seed)
    net = cls(**kwargs)
    os.makedirs(directory, exist_ok=True)
    file_name = name + ".safetensors"
    path = os.path.join(directory, file_name)
    cohort_models.save_safetensors(net.state_dict(), path)
    manifest_path = os.path.join(directory, "modules.json")
    manifest = {}
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            manifest = json.load(f)
    manifest[name] = {"moduleClass": module_class, "moduleArgs": kwargs, "stateDict": file_name}
    with open(manifest_path + ".tmp", "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(manifest_path + ".tmp", manifest_path)
    return json.dumps({"name": name, "sha256": cohort_models.sha256_of(path),
                       "parameters": sum(p.numel() for p in net.parameters()), "bytes": os.path.getsize(path)})


def write_small_cnn(out, model_args, seed):
    """Writes a randomly initialised SmallCnn's state dict (safetensors) and says its digest and size."""
    import json
    torch.manual_seed(seed)
    net = cohort_models.SmallCnn(**json.loads(model_args or "{}"))
    cohort_models.save_safetensors(net.state_dict(), out)
    return json.dumps({"sha256": cohort_models.sha256_of(out), "parameters": sum(p.numel() for p in net.parameters()),
                       "bytes": os.path.getsize(out)})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--socket", help="Unix domain socket path to listen on (the agent gives it)")
    ap.add_argument("--proto", default=os.environ.get("COHORT_TRAINER_PROTO", DEFAULT_PROTO))
    ap.add_argument("--device", default="auto", help="auto (cuda when available), cpu, cuda, cuda:N")
    ap.add_argument("--threads", type=int, default=0, help="CPU threads for torch (0: torch's default)")
    ap.add_argument("--precision", default="auto", choices=("auto", "float32", "bfloat16"),
                    help="forward pass: auto (bfloat16 autocast on a GPU that has it, else float32)")
    ap.add_argument("--microbatch", type=int, default=128,
                    help="examples per vectorised per-example gradient pass under DP-SGD (bounds memory)")
    ap.add_argument("--self-test", action="store_true", help="check the per-sample gradients and exit")
    ap.add_argument("--layout", metavar="MODULE_JSON",
                    help="print the exchanged vector's length and tensors for a module study (ModuleModel as JSON)")
    ap.add_argument("--write-small-cnn", metavar="FILE",
                    help="write a random SmallCnn base (safetensors) and print its sha256 and size")
    ap.add_argument("--init", metavar="MODULE_JSON",
                    help="print the trainable tensors' start values for a module study's model.module.initial")
    ap.add_argument("--write-module", metavar="DIR",
                    help="write a module's seeded start state dict into a site's module directory and its manifest"
                         " (with --name, --module-class, --model-args, --seed); prints its sha256")
    ap.add_argument("--name", help="the module's name in the study and the manifest (--write-module)")
    ap.add_argument("--module-class", default="cohort_models:Mlp",
                    help="'package.module:ClassName' (--write-module), e.g. cohort_models:Mlp or cohort_models:SmallCnn")
    ap.add_argument("--model-args", default="{}",
                    help="the class's keyword arguments as JSON (--write-small-cnn, --write-module)")
    ap.add_argument("--seed", type=int, default=1, help="the random base's seed (--write-small-cnn, --write-module)")
    args = ap.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    if args.self_test:
        self_test()
        return
    try:
        if args.write_small_cnn:
            print(write_small_cnn(args.write_small_cnn, args.model_args, args.seed))
            return
        if args.layout:
            print(layout(load_messages(args.proto), args.layout))
            return
        if args.init:
            print(start_values(load_messages(args.proto), args.init))
            return
        if args.write_module:
            print(write_module(args.write_module, args.name, args.module_class, args.model_args, args.seed))
            return
    except ValueError as e:
        raise SystemExit("cohort-torch-worker: %s" % e)
    if not args.socket:
        ap.error("--socket is required")
    import grpc
    pb = load_messages(args.proto)
    device = torch.device("cuda" if args.device == "auto" and torch.cuda.is_available()
                          else ("cpu" if args.device == "auto" else args.device))
    if args.microbatch < 1:
        ap.error("--microbatch must be at least 1")
    worker = Worker(pb, device, args.precision, args.microbatch)
    handler = grpc.method_handlers_generic_handler(SERVICE, {
        "Describe": grpc.unary_unary_rpc_method_handler(
            worker.describe, request_deserializer=pb.DescribeRequest.FromString,
            response_serializer=pb.TrainerInfo.SerializeToString),
        "Train": grpc.stream_stream_rpc_method_handler(
            worker.train, request_deserializer=pb.TrainInput.FromString,
            response_serializer=pb.TrainOutput.SerializeToString),
    })
    os.umask(0o077)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2),
                         options=[("grpc.max_receive_message_length", 4 * CHUNK),
                                  ("grpc.max_send_message_length", 4 * CHUNK)])
    server.add_generic_rpc_handlers((handler,))
    if server.add_insecure_port("unix:" + args.socket) == 0:
        raise SystemExit("cohort-torch-worker: cannot listen on %s" % args.socket)
    server.start()
    threading.Thread(target=watch_parent, daemon=True).start()
    print("cohort-torch-worker: pytorch %s on %s (%s), per-sample gradients by %s, listening on %s"
          % (torch.__version__, device, worker.precision, FUNCTIONAL[3] if FUNCTIONAL else "hand", args.socket),
          flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
