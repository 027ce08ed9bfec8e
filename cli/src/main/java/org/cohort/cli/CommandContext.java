package org.cohort.cli;

import java.io.PrintStream;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a command runs with besides its options: where it prints, the environment it takes its
 * defaults from, and the JSON mapper. Handed in rather than read from {@code System}, so that the
 * tests run every command in process with an environment of their choosing.
 */
record CommandContext(PrintStream out, Map<String, String> env, JsonMapper json) {}
