"""Unit tests of the PyTorch worker's module models and LoRA adapters (run: python3 -m unittest discover -s
trainers/pytorch; the site agent's PyTorchWorkerUnitTest runs them in mvn verify)."""

import hashlib
import json
import os
import tempfile
import unittest

import torch

import cohort_lora
import cohort_models
import cohort_torch_worker as worker

PB = worker.load_messages(worker.DEFAULT_PROTO)
ARGS = {"in_channels": 3, "classes": 2, "width": 8, "hidden": 16}
SHAPE = [3, 8, 8]


def floats(t):
    return t.numpy().astype("<f4").tobytes()


class ModuleFixture(unittest.TestCase):
    """A SmallCnn base file, rows and a worker; no tests of its own."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.base = os.path.join(self.dir.name, "base.safetensors")
        worker.write_small_cnn(self.base, json.dumps(ARGS), 5)
        self.digest = cohort_models.sha256_of(self.base)
        gen = torch.Generator().manual_seed(3)
        self.rows = 24
        self.x = torch.rand(self.rows, 3 * 8 * 8, generator=gen)
        self.y = torch.randint(0, 2, (self.rows,), generator=gen, dtype=torch.int32)
        self.worker = worker.Worker(PB, torch.device("cpu"))

    def tearDown(self):
        self.dir.cleanup()

    def module(self, lora=True, **over):
        spec = PB.ModuleModel(module_class="cohort_models:SmallCnn", module_args_json=json.dumps(ARGS),
                              state_dict=self.base, sha256=self.digest, input_shape=SHAPE, seed=11)
        if lora:
            spec.lora.CopyFrom(PB.LoraAdapters(rank=2, alpha=4.0, targets=["block_conv*", "head"]))
        for k, v in over.items():
            setattr(spec, k, v)
        return spec

    def header(self, spec, values, dp=None):
        params = floats(torch.zeros(values))
        h = PB.TrainHeader(job_id="t", model=PB.ModelDescription(kind="module", loss="softmax-cross-entropy",
                                                                 module=spec),
                           parameters_sha256=hashlib.sha256(params).digest(), rows=self.rows, features=192,
                           classes=2, plan=PB.LocalPlan(local_epochs=2, batch_size=8, optimizer="sgd",
                                                        learning_rate=0.5))
        if dp is not None:
            h.dp.CopyFrom(dp)
        return h, params

    def train(self, spec, values, dp=None, global_values=None):
        h, params = self.header(spec, values, dp)
        if global_values is not None:
            params = floats(global_values)
        return self.worker._train(h, params, floats(self.x), self.y.numpy().astype("<i4").tobytes())

    def adapter_count(self):
        # per target: A [2, in, k, k] and B [out, 2, 1, 1]; head: A [2, 16], B [2, 2]
        return 2 * (2 * 8 * 3 * 3 + 8 * 2) + (2 * 16 + 2 * 2)


class ModuleJobs(ModuleFixture):
    def test_only_the_adapters_travel_and_the_base_file_is_unchanged(self):
        with open(self.base, "rb") as f:
            before = f.read()
        n = self.adapter_count()
        result, update = self.train(self.module(), n)
        self.assertEqual(len(update), 4 * n)
        self.assertEqual([t.name for t in result.tensors],
                         ["block_conv1.lora_A", "block_conv1.lora_B", "block_conv2.lora_A", "block_conv2.lora_B",
                          "head.lora_A", "head.lora_B"])
        self.assertEqual(sum(int(torch.tensor(list(t.shape)).prod()) for t in result.tensors), n)
        delta = torch.frombuffer(bytearray(update), dtype=torch.float32)
        self.assertGreater(float(delta.abs().sum()), 0.0, "the adapters trained")
        with open(self.base, "rb") as f:
            self.assertEqual(f.read(), before)

    def test_a_module_lora_names_to_train_whole_travels_with_the_adapters(self):
        spec = self.module()
        spec.lora.train.append("head")
        n = self.adapter_count() + 16 * 2 + 2
        result, update = self.train(spec, n)
        self.assertEqual([t.name for t in result.tensors][-4:], ["head.lora_A", "head.lora_B", "head.base.weight",
                                                                 "head.base.bias"])
        self.assertEqual(len(update), 4 * n)
        spec.lora.train[:] = ["classifier"]
        with self.assertRaisesRegex(ValueError, "lora.train: 'classifier' matches no module"):
            self.train(spec, n)

    def test_training_leaves_the_frozen_base_parameters_as_they_were(self):
        spec = self.module()
        net = cohort_lora.apply_lora(cohort_models.load_module(spec), 2, 4.0, ["block_conv*", "head"], 11)
        frozen = {n: p.detach().clone() for n, p in net.named_parameters() if not p.requires_grad}
        self.assertTrue(frozen)
        trainee = worker.module_trainee(net, worker.autocast_for(torch.device("cpu"), "auto")[0])
        x = self.x.view(self.rows, *SHAPE)
        worker.train_plain(trainee, x, self.y.long(), PB.LocalPlan(local_epochs=1, batch_size=8, optimizer="adam",
                                                                 learning_rate=0.1), torch.device("cpu"))
        dp = PB.DpSgd(noise_multiplier=1.0, clip_norm=1.0, sampling_rate=0.5, steps=3, divisor=12)
        worker.train_dp(trainee, x, self.y.long(), PB.LocalPlan(local_epochs=1, batch_size=8, optimizer="sgd",
                                                              learning_rate=0.5), dp, torch.device("cpu"), 5)
        for n, p in net.named_parameters():
            if n in frozen:
                self.assertTrue(torch.equal(p, frozen[n]), n + " changed")

    def test_an_adapted_module_starts_equal_to_its_base(self):
        base = cohort_models.load_module(self.module())
        x = self.x.view(self.rows, *SHAPE)
        expected = base(x)
        adapted = cohort_lora.apply_lora(base, 2, 4.0, ["*"], 11)
        self.assertTrue(torch.allclose(adapted(x), expected, atol=1e-6))

    def test_the_adapters_start_the_same_on_every_site(self):
        a = cohort_lora.trainable(cohort_lora.apply_lora(cohort_models.load_module(self.module()), 2, 4.0, ["*"], 11))
        b = cohort_lora.trainable(cohort_lora.apply_lora(cohort_models.load_module(self.module()), 2, 4.0, ["*"], 11))
        for (na, pa), (nb, pb) in zip(a, b):
            self.assertEqual(na, nb)
            self.assertTrue(torch.equal(pa, pb))

    def test_dp_sgd_on_the_adapters_clips_each_example_and_reports_the_plan(self):
        n = self.adapter_count()
        # No noise, q = 1, one SGD step of lr 0.5, divisor 1: the update is lr x the sum of clipped gradients.
        dp = PB.DpSgd(noise_multiplier=0.0, clip_norm=0.01, sampling_rate=1.0, steps=1, divisor=1.0)
        result, update = self.train(self.module(), n, dp)
        delta = torch.frombuffer(bytearray(update), dtype=torch.float32)
        self.assertLessEqual(float(delta.norm()), 0.5 * self.rows * 0.01 * (1 + 1e-4))
        self.assertGreater(float(delta.norm()), 0.0)
        self.assertEqual(result.privacy.steps, 1)
        self.assertEqual(result.privacy.clip_norm, 0.01)
        self.assertEqual(result.examples_processed, self.rows)

    def test_vectorised_per_example_gradients_match_one_backward_pass_per_example(self):
        if worker.FUNCTIONAL is None:
            self.skipTest("no torch.func / functorch")
        net = cohort_lora.apply_lora(cohort_models.load_module(self.module()), 2, 4.0, ["*"], 11)
        params = cohort_lora.trainable(net)
        with torch.no_grad():
            for _, p in params:
                p.add_(torch.randn(p.shape) * 0.1)  # B away from zero, so every gradient is non-trivial
        amp = worker.autocast_for(torch.device("cpu"), "auto")[0]
        x, y = self.x[:5].view(5, *SHAPE), self.y[:5].long()
        for a, b in zip(worker.per_sample_grads_module(net, params, x, y, amp),
                        worker.per_sample_grads_loop(net, params, x, y, amp)):
            self.assertTrue(torch.allclose(a, b, atol=1e-5))

    def test_the_whole_module_travels_as_an_offset_from_its_base_without_lora(self):
        n = sum(p.numel() for p in cohort_models.load_module(self.module(lora=False)).parameters())
        result, update = self.train(self.module(lora=False), n)
        self.assertEqual(len(update), 4 * n)
        self.assertEqual(result.tensors[0].name, "stem.weight")

    def test_a_torchscript_module_trains_without_lora_and_refuses_lora(self):
        scripted = os.path.join(self.dir.name, "m.pt")
        torch.jit.save(torch.jit.script(cohort_models.load_module(self.module())), scripted)
        spec = PB.ModuleModel(torchscript=scripted, sha256=cohort_models.sha256_of(scripted), input_shape=SHAPE)
        n = sum(p.numel() for p in torch.jit.load(scripted).parameters())
        dp = PB.DpSgd(noise_multiplier=1.0, clip_norm=1.0, sampling_rate=0.25, steps=2, divisor=6.0)
        result, update = self.train(spec, n, dp)
        self.assertEqual(len(update), 4 * n)
        self.assertIn("loop", result.detail)
        spec.lora.CopyFrom(PB.LoraAdapters(rank=2, alpha=4.0, targets=["head"]))
        with self.assertRaisesRegex(ValueError, "TorchScript module cannot be re-wired"):
            self.train(spec, n)

    def test_a_base_file_that_differs_from_the_study_digest_is_refused(self):
        with self.assertRaisesRegex(ValueError, "has sha256 .* not the study's"):
            self.train(self.module(sha256="00" * 32), self.adapter_count())

    def test_a_module_file_without_a_digest_is_refused(self):
        with self.assertRaisesRegex(ValueError, "no sha256 in the study's terms"):
            self.train(self.module(sha256=""), self.adapter_count())

    def test_a_global_vector_of_another_length_is_refused_with_both_counts(self):
        with self.assertRaisesRegex(ValueError, "has 10 values, but .*LoRA adapters.* have %d" % self.adapter_count()):
            self.train(self.module(), 10)

    def test_a_target_that_matches_no_layer_is_refused_naming_the_layers(self):
        spec = self.module()
        spec.lora.targets[:] = ["encoder.*"]
        with self.assertRaisesRegex(ValueError, "'encoder.\\*' matches no .* stem, block_conv1"):
            self.train(spec, self.adapter_count())

    def test_a_rank_below_one_is_refused(self):
        spec = self.module()
        spec.lora.rank = 0
        with self.assertRaisesRegex(ValueError, "rank must be at least 1"):
            self.train(spec, self.adapter_count())

    def test_an_input_shape_that_does_not_fit_the_rows_is_refused(self):
        spec = self.module()
        spec.input_shape[:] = [3, 4, 4]
        with self.assertRaisesRegex(ValueError, "input_shape \\[3, 4, 4\\] holds 48 values, but each row has 192"):
            self.train(spec, self.adapter_count())

    def test_a_module_class_that_cannot_be_imported_is_refused(self):
        with self.assertRaisesRegex(ValueError, "cannot import no_such_pkg"):
            self.train(self.module(module_class="no_such_pkg.models:Net"), 1)


class Predictions(ModuleFixture):
    def predict(self, spec, flat, rows=None):
        x = self.x if rows is None else rows
        params = floats(flat)
        h = PB.TrainHeader(job_id="p", model=PB.ModelDescription(kind="module", loss="softmax-cross-entropy",
                                                                 module=spec),
                           parameters_sha256=hashlib.sha256(params).digest(), rows=x.shape[0], features=192,
                           classes=2, predict=True)
        return self.worker._train(h, params, floats(x), b"")

    def test_predictions_are_class_probabilities_of_the_adapted_module_per_row(self):
        n = self.adapter_count()
        result, update = self.train(self.module(), n)
        delta = torch.frombuffer(bytearray(update), dtype=torch.float32).clone()
        _, out = self.predict(self.module(), delta)
        probs = torch.frombuffer(bytearray(out), dtype=torch.float32).view(self.rows, 2)
        self.assertTrue(torch.allclose(probs.sum(dim=1), torch.ones(self.rows), atol=1e-5))
        # The same as the module itself computes with the trained adapters in place.
        net = cohort_lora.apply_lora(cohort_models.load_module(self.module()), 2, 4.0, ["block_conv*", "head"], 11, [])
        with torch.no_grad():
            offset = 0
            for _, p in cohort_lora.trainable(net):
                p.add_(delta[offset:offset + p.numel()].view(p.shape))
                offset += p.numel()
            net.eval()
            expected = torch.softmax(net(self.x.view(self.rows, 3, 8, 8)), dim=1)
        self.assertTrue(torch.allclose(probs, expected, atol=1e-5))

    def test_predictions_of_no_rows_are_empty(self):
        result, out = self.predict(self.module(), torch.zeros(self.adapter_count()), rows=torch.zeros(0, 192))
        self.assertEqual(out, b"")
        self.assertEqual(result.examples, 0)


class AbsoluteVectors(ModuleFixture):
    def test_an_absolute_vector_holds_the_trainable_values_themselves(self):
        module_json = json.dumps({"moduleClass": "cohort_models:SmallCnn", "moduleArgsJson": json.dumps(ARGS),
                                  "stateDict": self.base, "sha256": self.digest, "inputShape": SHAPE, "seed": 11,
                                  "lora": {"rank": 2, "alpha": 4, "targets": ["block_conv*", "head"]}})
        start = torch.tensor(json.loads(worker.start_values(PB, module_json))["initial"], dtype=torch.float32)
        self.assertEqual(start.numel(), self.adapter_count())
        # From the absolute start values the module predicts as from the zero offset: both are its start.
        _, from_start = Predictions.predict(self, self.module(absolute=True), start)
        _, from_offset = Predictions.predict(self, self.module(), torch.zeros(self.adapter_count()))
        self.assertEqual(from_start, from_offset)
        result, update = self.train(self.module(absolute=True), self.adapter_count(), global_values=start)
        self.assertEqual(len(update), 4 * self.adapter_count())
        # An absolute vector of zeros is not the start: the adapters' A is zero, so the module is its base.
        _, out = Predictions.predict(self, self.module(absolute=True), torch.zeros(self.adapter_count()))
        _, base_out = Predictions.predict(self, self.module(), torch.zeros(self.adapter_count()))
        self.assertTrue(torch.allclose(torch.frombuffer(bytearray(out), dtype=torch.float32),
                                       torch.frombuffer(bytearray(base_out), dtype=torch.float32), atol=1e-5))


class ModuleDirectories(unittest.TestCase):
    def test_write_module_writes_the_state_dict_and_its_manifest_entry(self):
        with tempfile.TemporaryDirectory() as d:
            said = json.loads(worker.write_module(d, "tiny", "cohort_models:Mlp",
                                                  json.dumps({"inputs": 5, "hidden": [4]}), 3))
            with open(os.path.join(d, "modules.json")) as f:
                manifest = json.load(f)
            self.assertEqual(manifest["tiny"], {"moduleClass": "cohort_models:Mlp",
                                                "moduleArgs": {"inputs": 5, "hidden": [4]},
                                                "stateDict": "tiny.safetensors"})
            self.assertEqual(said["sha256"], cohort_models.sha256_of(os.path.join(d, "tiny.safetensors")))
            self.assertEqual(said["parameters"], 5 * 4 + 4 + 4 * 2 + 2)
            again = json.loads(worker.write_module(d, "tiny", "cohort_models:Mlp",
                                                   json.dumps({"inputs": 5, "hidden": [4]}), 3))
            self.assertEqual(again["sha256"], said["sha256"], "the same seed writes the same file")

    def test_a_module_name_with_a_path_in_it_is_refused(self):
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaisesRegex(ValueError, "--name must be"):
                worker.write_module(d, "../evil", "cohort_models:Mlp", "{}", 1)


class SafetensorsFiles(unittest.TestCase):
    def test_a_state_dict_survives_the_round_trip_in_every_float_type(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "s.safetensors")
            state = {"a": torch.randn(3, 4), "b": torch.randn(5).to(torch.bfloat16), "c": torch.arange(6).view(2, 3),
                     "d": torch.randn(2, 2).to(torch.float16)}
            cohort_models.save_safetensors(state, path)
            back = cohort_models.load_state_dict(path)
            self.assertEqual(sorted(back), sorted(state))
            for k in state:
                self.assertTrue(torch.equal(back[k], state[k]), k)

    def test_a_file_that_is_not_safetensors_is_refused(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "s.safetensors")
            with open(path, "wb") as f:
                f.write(b"\xff" * 16)
            with self.assertRaisesRegex(ValueError, "not a safetensors file"):
                cohort_models.load_state_dict(path)


if __name__ == "__main__":
    unittest.main()
