package org.cohort.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The README's tested shell blocks: a fenced {@code bash} block right after a marker
 * {@code <!-- readme-test: NAME [actions=N] -->}. A reader sees the block; the marker is an HTML
 * comment that Markdown does not show.
 */
final class ReadmeBlocks {
    private static final Pattern BLOCK = Pattern.compile(
            "<!-- readme-test: ([a-z-]+)(?: actions=([0-9]+))? -->\\n```bash\\n(.*?)\\n```", Pattern.DOTALL);

    /**
     * @param declaredActions the number of actions the marker declares, or null
     * @param text            the block's text, as written
     */
    record Block(String name, Integer declaredActions, String text) {
        /** The commands a person types: lines joined across a trailing backslash, without comments. */
        List<String> commands() {
            List<String> commands = new ArrayList<>();
            for (String line : text.replace("\\\n", " ").split("\n")) {
                String command = line.strip();
                if (!command.isEmpty() && !command.startsWith("#")) {
                    commands.add(command);
                }
            }
            return commands;
        }
    }

    private ReadmeBlocks() {}

    static List<Block> parse(String readme) {
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(readme);
        while (m.find()) {
            blocks.add(new Block(m.group(1), m.group(2) == null ? null : Integer.valueOf(m.group(2)), m.group(3)));
        }
        return blocks;
    }

    static Block named(List<Block> blocks, String name) {
        List<Block> found = blocks.stream().filter(b -> b.name().equals(name)).toList();
        if (found.size() != 1) {
            throw new AssertionError("the README needs exactly one block marked <!-- readme-test: " + name
                    + " --> right before a ```bash block; found " + found.size());
        }
        return found.getFirst();
    }
}
