package org.cohort.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Options of one command: {@code --name value}, {@code --name=value} and the flag {@code --help}
 * (or {@code -h}). Unknown, repeated or valueless options are usage errors that name the
 * options the command does take.
 */
final class Args {
    private final String command;
    private final Map<String, String> values;
    private final boolean help;

    private Args(String command, Map<String, String> values, boolean help) {
        this.command = command;
        this.values = values;
        this.help = help;
    }

    /**
     * @param command  the command's name, for messages ("privacy epsilon")
     * @param tokens   what follows the command words
     * @param options  the option names it takes (without "--")
     */
    static Args parse(String command, List<String> tokens, Set<String> options) {
        Map<String, String> values = new LinkedHashMap<>();
        boolean help = false;
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            if (t.equals("--help") || t.equals("-h")) {
                help = true;
                continue;
            }
            if (!t.startsWith("--") || t.length() == 2) {
                throw new UsageException("'" + command + "' takes no argument '" + t + "'; options are written --name value."
                        + " See: cohort " + command + " --help");
            }
            String name = t.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (!options.contains(name)) {
                throw new UsageException("'" + command + "' has no option --" + name + suggestion(name, options)
                        + "; it takes " + list(options) + ". See: cohort " + command + " --help");
            }
            if (value == null) {
                if (i + 1 >= tokens.size() || tokens.get(i + 1).startsWith("--")) {
                    throw new UsageException("--" + name + " needs a value, e.g. --" + name + " " + example(name));
                }
                value = tokens.get(++i);
            }
            if (values.put(name, value) != null) {
                throw new UsageException("--" + name + " is given twice; give it once");
            }
        }
        return new Args(command, values, help);
    }

    boolean help() {
        return help;
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    String string(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    String requireString(String name, String what) {
        String v = values.get(name);
        if (v == null || v.isBlank()) {
            throw new UsageException("'" + command + "' needs --" + name + " (" + what + "). See: cohort " + command + " --help");
        }
        return v;
    }

    /** The option as a number, or null when absent. */
    Double number(String name) {
        String v = values.get(name);
        if (v == null) {
            return null;
        }
        try {
            double d = Double.parseDouble(v.strip());
            if (Double.isNaN(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a number, got '" + v + "' (e.g. --" + name + " " + example(name) + ")");
        }
    }

    /** The option as a whole number, or null when absent. */
    Long integer(String name) {
        String v = values.get(name);
        if (v == null) {
            return null;
        }
        try {
            return Long.parseLong(v.strip().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a whole number, got '" + v + "' (e.g. --" + name + " "
                    + example(name) + ")");
        }
    }

    private static String example(String name) {
        return switch (name) {
            case "q" -> "0.01";
            case "sigma" -> "1.1";
            case "steps" -> "1000";
            case "rounds" -> "10";
            case "delta" -> "1e-5";
            case "accountant" -> "rdp";
            case "conversion" -> "improved";
            case "study" -> "st-1a2b3c4d";
            case "format" -> "json";
            case "out" -> "report.html";
            case "coordinator" -> "http://127.0.0.1:8080";
            case "token-file" -> "cohort-data/admin-token";
            case "history" -> "history.json";
            case "expect-head" -> "head.json";
            default -> "VALUE";
        };
    }

    private static String list(Set<String> options) {
        List<String> names = new ArrayList<>();
        for (String o : new TreeSet<>(options)) {
            names.add("--" + o);
        }
        return String.join(", ", names);
    }

    /** " (did you mean --sigma?)" for a near miss, else "". */
    private static String suggestion(String name, Set<String> options) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String o : options) {
            int d = distance(name.toLowerCase(java.util.Locale.ROOT), o);
            if (d < bestDistance) {
                bestDistance = d;
                best = o;
            }
        }
        return best != null && bestDistance <= 2 ? " (did you mean --" + best + "?)" : "";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
