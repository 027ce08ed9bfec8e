package org.cohort.agent;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.cohort.protocol.trainer.v1.ModuleModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The PyTorch modules this site holds ({@code trainer.modules=DIR}): files in a directory the site's admin
 * keeps, listed in its manifest {@code DIR/modules.json}, one entry per module name:
 *
 * <pre>{@code
 * {"heart-mlp": {"moduleClass": "cohort_models:Mlp", "moduleArgs": {"inputs": 13, "hidden": [8]},
 *                "stateDict": "heart-mlp.safetensors"}}
 * }</pre>
 *
 * ({@code torchscript} instead of {@code moduleClass} and {@code stateDict}; {@code packagePath} for a class
 * of the site's own; file names relative to DIR). A study names a module and its SHA-256; the agent pins
 * that digest against the site's file before anything is trained, so every site trains the same base and
 * a site holding another file refuses the task. The reason sent to the coordinator names the module and
 * the study's digest only; the site's paths and its file's digest stay in the agent's log.
 */
public final class SiteModules {
    private static final Logger log = LoggerFactory.getLogger(SiteModules.class);
    public static final String MANIFEST = "modules.json";

    private final Path dir;
    /** Digests of files already read, by path, size and modification time: a base can be gigabytes. */
    private final Map<Path, Digested> digests = new ConcurrentHashMap<>();

    private record Digested(long size, FileTime modified, String sha256) {}

    /** A module this site cannot train for the study: the message is what may leave the site. */
    public static final class Unusable extends RuntimeException {
        Unusable(String message) {
            super(message);
        }
    }

    /** @param dir the site's module directory, which holds {@value #MANIFEST} */
    public SiteModules(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    public Path dir() {
        return dir;
    }

    /**
     * This site's copy of the study's module, as the worker loads it (its files, its class), checked
     * against the study's digest.
     *
     * @throws Unusable when the site holds no such module or another file than the study's
     */
    public ModuleModel resolve(StudyModule module) {
        JsonNode entry = entry(module.name());
        var local = ModuleModel.newBuilder();
        Path file;
        if (entry.hasNonNull("torchscript")) {
            file = file(module, entry, "torchscript");
            local.setTorchscript(file.toString());
        } else if (entry.hasNonNull("moduleClass") && entry.hasNonNull("stateDict")) {
            file = file(module, entry, "stateDict");
            local.setModuleClass(entry.get("moduleClass").asString()).setStateDict(file.toString());
            if (entry.hasNonNull("moduleArgs")) {
                JsonNode args = entry.get("moduleArgs");
                if (!args.isObject()) {
                    throw unusable(module, "its moduleArgs in " + manifest() + " is not a JSON object");
                }
                local.setModuleArgsJson(args.toString());
            }
            if (entry.hasNonNull("packagePath")) {
                local.setPackagePath(dir.resolve(entry.get("packagePath").asString())
                        .normalize()
                        .toString());
            }
        } else {
            throw unusable(
                    module,
                    "its entry in " + manifest() + " names neither 'torchscript' nor 'moduleClass'"
                            + " with 'stateDict'");
        }
        pinnedCodeProblem(module, entry).ifPresent(why -> {
            throw new Unusable("this site's module '" + module.name() + "' " + why);
        });
        String actual = sha256(module, file);
        if (!actual.equals(module.sha256().toLowerCase(Locale.ROOT))) {
            log.warn(
                    "module '{}': {} has SHA-256 {}, but the study names {}: this site holds another base than the"
                            + " study's; install the study's file (or leave the study)",
                    module.name(),
                    file,
                    actual,
                    module.sha256());
            throw new Unusable("this site's copy of module '" + module.name() + "' is not the study's file (its"
                    + " SHA-256 is not " + module.sha256().toLowerCase(Locale.ROOT) + "); the site's admin finds"
                    + " the details in the agent's log");
        }
        return module.toProto(local.build());
    }

    /**
     * Where the study pins the module's class (and its arguments), whether this site's manifest builds the
     * same code around the weights: the digest covers the weights file only. Said in the study's own terms,
     * since the reason reaches the coordinator.
     */
    static java.util.Optional<String> pinnedCodeProblem(StudyModule module, JsonNode entry) {
        if (module.moduleClass() == null) {
            return java.util.Optional.empty();
        }
        String local =
                entry.hasNonNull("moduleClass") ? entry.get("moduleClass").asString() : null;
        if (!module.moduleClass().equals(local)) {
            return java.util.Optional.of("is not built by the study's class " + module.moduleClass()
                    + " (the site's admin sets moduleClass in its module manifest)");
        }
        if (module.moduleArgs() != null) {
            JsonNode args = entry.hasNonNull("moduleArgs")
                    ? entry.get("moduleArgs")
                    : JsonMapper.shared().createObjectNode();
            if (!module.moduleArgs().equals(args)) {
                return java.util.Optional.of("does not give the class the study's arguments " + module.moduleArgs()
                        + " (the site's admin sets moduleArgs in its module manifest)");
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * For the site's admin ({@code cohort-agent check}): each module the manifest lists, with its file's
     * SHA-256 to compare with a study's {@code model.module.sha256}, or what is wrong with it.
     */
    public java.util.List<String> listing() {
        JsonNode root;
        try {
            root = JsonMapper.shared().readTree(Files.readString(manifest()));
        } catch (IOException | JacksonException e) {
            return java.util.List.of(manifest() + " cannot be read: " + e.getMessage());
        }
        var out = new java.util.ArrayList<String>();
        for (var e : root.properties()) {
            JsonNode entry = e.getValue();
            String field = entry.hasNonNull("torchscript") ? "torchscript" : "stateDict";
            if (!entry.hasNonNull(field)) {
                out.add(e.getKey() + ": names neither 'torchscript' nor 'stateDict'");
                continue;
            }
            Path file = dir.resolve(entry.get(field).asString()).normalize();
            try {
                out.add(e.getKey() + ": " + file + " sha256 " + sha256(study(e.getKey()), file));
            } catch (Unusable missing) {
                out.add(e.getKey() + ": " + file + " cannot be read");
            }
        }
        return out;
    }

    private static StudyModule study(String name) {
        return new StudyModule(name, "", 0, 0, 0, false, java.util.List.of(), null);
    }

    private JsonNode entry(String name) {
        Path manifest = manifest();
        JsonNode root;
        try {
            root = JsonMapper.shared().readTree(Files.readString(manifest));
        } catch (IOException | JacksonException e) {
            log.warn("the module manifest {} cannot be read: {}", manifest, e.getMessage());
            throw new Unusable("this site's module manifest cannot be read (trainer.modules); the site's admin"
                    + " finds the details in the agent's log");
        }
        JsonNode entry = root == null ? null : root.get(name);
        if (entry == null || !entry.isObject()) {
            log.warn(
                    "a study names module '{}', which {} does not list (it lists {})",
                    name,
                    manifest,
                    root == null
                            ? "nothing"
                            : root.properties().stream().map(Map.Entry::getKey).toList());
            throw new Unusable("this site holds no module named '" + name + "' (its module directory's " + MANIFEST
                    + " lists none by that name)");
        }
        return entry;
    }

    private Path file(StudyModule module, JsonNode entry, String field) {
        Path file = dir.resolve(entry.get(field).asString()).normalize();
        if (!Files.isRegularFile(file)) {
            log.warn("module '{}': {} names {} as its {}, which is not a file", module.name(), manifest(), file, field);
            throw new Unusable("this site's module '" + module.name()
                    + "' names a file that is missing; the site's admin" + " finds the details in the agent's log");
        }
        return file;
    }

    private Unusable unusable(StudyModule module, String detail) {
        log.warn("module '{}': {}", module.name(), detail);
        return new Unusable("this site's module '" + module.name() + "' is not usable (" + MANIFEST
                + "); the site's admin finds the details in the agent's log");
    }

    private Path manifest() {
        return dir.resolve(MANIFEST);
    }

    private String sha256(StudyModule module, Path file) {
        try {
            long size = Files.size(file);
            FileTime modified = Files.getLastModifiedTime(file);
            Digested known = digests.get(file);
            if (known != null && known.size() == size && known.modified().equals(modified)) {
                return known.sha256();
            }
            var digest = MessageDigest.getInstance("SHA-256");
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buffer = new byte[1 << 16];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    digest.update(buffer, 0, n);
                }
            }
            String hex = HexFormat.of().formatHex(digest.digest());
            digests.put(file, new Digested(size, modified, hex));
            return hex;
        } catch (IOException e) {
            log.warn("module '{}': cannot read {}: {}", module.name(), file, e.getMessage());
            throw new Unusable("this site's module '" + module.name() + "' cannot be read; the site's admin finds the"
                    + " details in the agent's log");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
