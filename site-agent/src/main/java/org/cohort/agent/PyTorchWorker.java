package org.cohort.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Finds the reference PyTorch worker ({@code trainers/pytorch/cohort_torch_worker.py}) and a Python
 * that can run it (PyTorch, grpcio and protobuf importable, protoc or grpc_tools present), for
 * tests, benchmarks and the demo; a site names its own command in {@code trainer.command}.
 */
public final class PyTorchWorker {
    private PyTorchWorker() {}

    /** The worker script in this checkout: {@code trainers/pytorch/cohort_torch_worker.py} here or above. */
    public static Optional<Path> script() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("trainers").resolve("pytorch").resolve("cohort_torch_worker.py");
            if (Files.isRegularFile(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * The command line that runs the worker ({@code python3 …/cohort_torch_worker.py --threads 1}),
     * or a reason why there is none on this machine.
     */
    public static Found find() {
        var script = script();
        if (script.isEmpty()) {
            return new Found(null, "trainers/pytorch/cohort_torch_worker.py is not in this checkout");
        }
        String last = "no python3 on this machine";
        for (String python : List.of("python3", "/usr/bin/python3")) {
            String problem = check(python);
            if (problem == null) {
                return new Found(List.of(python, script.get().toString(), "--threads", "1"), null);
            }
            last = python + ": " + problem;
        }
        return new Found(
                null,
                last + " (Debian: apt-get install python3-torch python3-grpcio python3-protobuf"
                        + " protobuf-compiler)");
    }

    /** A worker command, or why there is none. */
    public record Found(List<String> command, String problem) {
        public boolean present() {
            return command != null;
        }
    }

    private static String check(String python) {
        try {
            var p = new ProcessBuilder(
                            python,
                            "-c",
                            "import torch, grpc, google.protobuf, shutil, importlib.util, sys;"
                                    + " sys.exit(0 if shutil.which('protoc') or importlib.util.find_spec('grpc_tools')"
                                    + " else 3)")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "did not answer within 60 s";
            }
            return p.exitValue() == 0
                    ? null
                    : p.exitValue() == 3
                            ? "neither protoc nor grpc_tools is installed"
                            : "cannot import torch, grpc and google.protobuf ("
                                    + out.lines().reduce((a, b) -> b).orElse("") + ")";
        } catch (IOException e) {
            return "not found";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
