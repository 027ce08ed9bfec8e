package org.cohort.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Edits {@code agent.properties} the way its admin would by hand: the lines of the keys set are
 * replaced where they stand, new keys go at the end, removed keys' lines go, and every other line
 * (comments, blank lines, other settings) is kept as written. The file is replaced atomically (a
 * running agent reads either the old file or the new one, never half of one), owner-only (0600),
 * since it may still hold the one-time enrollment token.
 */
final class AgentProperties {
    private AgentProperties() {}

    /**
     * Sets each key of {@code set} (in its order) and removes each key of {@code remove}.
     *
     * @throws IllegalArgumentException when a value would not read back as written
     */
    static void edit(Path file, Map<String, String> set, Set<String> remove) throws IOException {
        for (var e : set.entrySet()) {
            if (!e.getValue().matches("[A-Za-z0-9 ,.:_@/+-]*") || !e.getKey().matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException("cannot write " + e.getKey() + "=" + e.getValue()
                        + " to a properties file as written: only letters, digits and , . : _ @ / + - are allowed");
            }
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        var pending = new LinkedHashMap<>(set);
        var out = new ArrayList<String>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            // A logical line may continue over physical lines ending in an odd number of backslashes.
            int end = i;
            while (continues(lines.get(end)) && end + 1 < lines.size()) {
                end++;
            }
            String key = key(line);
            if (key != null && (remove.contains(key) || set.containsKey(key))) {
                if (pending.containsKey(key)) {
                    out.add(key + "=" + pending.remove(key));
                }
                // a later duplicate of a key set here goes, so that the value written is the one read
            } else {
                out.addAll(lines.subList(i, end + 1));
            }
            i = end;
        }
        pending.forEach((k, v) -> out.add(k + "=" + v));
        write(file, String.join("\n", out) + "\n");
    }

    /** The key of a properties line, or null for a comment or blank line. */
    static String key(String line) {
        String s = line.stripLeading();
        if (s.isEmpty() || s.startsWith("#") || s.startsWith("!")) {
            return null;
        }
        var key = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                key.append(s.charAt(++i));
            } else if (c == '=' || c == ':' || Character.isWhitespace(c)) {
                break;
            } else {
                key.append(c);
            }
        }
        return key.toString();
    }

    private static boolean continues(String line) {
        if (key(line) == null && !line.isBlank()) {
            return false; // a comment never continues
        }
        int n = 0;
        for (int i = line.length() - 1; i >= 0 && line.charAt(i) == '\\'; i--) {
            n++;
        }
        return n % 2 == 1;
    }

    /** Writes {@code text} to a new owner-only file beside {@code file}, then moves it over {@code file}. */
    static void write(Path file, String text) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp-"
                + ProcessHandle.current().pid() + "-" + Thread.currentThread().threadId() + "-" + System.nanoTime());
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        }
        try (var ch = java.nio.channels.FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
