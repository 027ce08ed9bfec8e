package org.cohort.agent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.cohort.protocol.v1.LedgerEntry;

/**
 * Compares the coordinator's privacy ledger for this site with the site's own record of what
 * it sent. Pure: the caller fetches both. A charge the site cannot account for — a round it
 * never sent, different mechanism parameters, or the same round charged twice — is a mismatch;
 * an update the coordinator did not charge (its round failed or was retried) is only a note,
 * because the site's own ledger already counts it and so errs on the safe side.
 */
final class LedgerCrossCheck {
    private static final double RELATIVE_TOLERANCE = 1e-12;

    private LedgerCrossCheck() {}

    /** One privacy-bearing update this site sent, from its local ledger. */
    record LocalSend(int round, String unit, double samplingRate, double noiseMultiplier, long steps) {}

    record Result(List<String> mismatches, List<String> notes) {
        boolean agrees() {
            return mismatches.isEmpty();
        }
    }

    static Result compare(String studyId, List<LocalSend> local, List<LedgerEntry> remote) {
        var mismatches = new ArrayList<String>();
        var notes = new ArrayList<String>();
        Map<String, Integer> chargesPerRound = new HashMap<>();
        for (LedgerEntry c : remote) {
            String key = c.getRoundNumber() + "/" + c.getUnit();
            if (chargesPerRound.merge(key, 1, Integer::sum) == 2) {
                mismatches.add(String.format(Locale.ROOT, "round %d is charged more than once (%s-level)",
                        c.getRoundNumber(), c.getUnit()));
            }
            boolean sent = local.stream().anyMatch(s -> s.round() == c.getRoundNumber() && s.unit().equals(c.getUnit())
                    && same(s.samplingRate(), c.getSamplingRate()) && same(s.noiseMultiplier(), c.getNoiseMultiplier())
                    && s.steps() == c.getSteps());
            if (!sent) {
                mismatches.add(String.format(Locale.ROOT,
                        "the coordinator charged round %d (%s-level, q = %s, σ = %s, steps = %d) but this site's"
                                + " ledger has no update of study %s with those parameters", c.getRoundNumber(),
                        c.getUnit(), c.getSamplingRate(), c.getNoiseMultiplier(), c.getSteps(), studyId));
            }
        }
        int lastCharged = remote.stream().mapToInt(LedgerEntry::getRoundNumber).max().orElse(0);
        for (LocalSend s : local) {
            boolean charged = chargesPerRound.containsKey(s.round() + "/" + s.unit());
            if (!charged && s.round() <= lastCharged) {
                notes.add(String.format(Locale.ROOT, "round %d: an update was sent but not charged by the coordinator"
                        + " (the round failed or was retried); it stays in this site's own ε", s.round()));
            }
        }
        return new Result(List.copyOf(mismatches), List.copyOf(notes));
    }

    private static boolean same(double a, double b) {
        return a == b || Math.abs(a - b) <= RELATIVE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
    }
}
