package org.cohort.coordinator.ledger;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.cohort.privacy.accounting.EventHistory;
import org.cohort.privacy.accounting.PrivacyAccountant;
import org.cohort.privacy.accounting.PrivacyLedgerEntry;
import org.cohort.privacy.accounting.Unit;

/**
 * Remembers each site's composed accountant and its ε after every round, so that a new round
 * costs one composition instead of recomposing the whole history (a PLD composition takes
 * around half a second). Entries are only ever extended when the stored history is a prefix
 * of the one asked for; anything else recomputes from scratch, so the numbers are always those
 * of composing the history in order with a fresh accountant.
 */
final class AccountantCache {
    private static final int MAX_ENTRIES = 256;

    record Key(String studyId, String siteId, Unit unit, Accounting accounting) {}

    /** The accountant after all entries, and ε after each entry for every δ asked for so far. */
    private record State(
            List<PrivacyLedgerEntry> entries, PrivacyAccountant accountant, Map<Double, List<Double>> prefixEpsilons) {}

    private final Map<Key, State> states = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, State> eldest) {
            return size() > MAX_ENTRIES;
        }
    };
    private final Map<Key, Object> locks = new ConcurrentHashMap<>();

    /** The accountant after every event of {@code history}, in order. */
    PrivacyAccountant composed(Key key, EventHistory history) {
        synchronized (lock(key)) {
            return extend(key, history, null).accountant();
        }
    }

    /** ε at δ after each entry of {@code history} (element i: after entries 0..i). */
    List<Double> prefixEpsilons(Key key, EventHistory history, double delta) {
        synchronized (lock(key)) {
            return extend(key, history, delta).prefixEpsilons().get(delta);
        }
    }

    private State extend(Key key, EventHistory history, Double delta) {
        State s;
        synchronized (states) {
            s = states.get(key);
        }
        List<PrivacyLedgerEntry> wanted = history.entries();
        boolean reusable = s != null
                && s.entries().size() <= wanted.size()
                && wanted.subList(0, s.entries().size()).equals(s.entries())
                && (delta == null || s.prefixEpsilons().containsKey(delta));
        if (!reusable) {
            Map<Double, List<Double>> fresh = new TreeMap<>();
            if (s != null) {
                s.prefixEpsilons().keySet().forEach(d -> fresh.put(d, new ArrayList<>()));
            }
            if (delta != null) {
                fresh.put(delta, new ArrayList<>());
            }
            s = new State(List.of(), key.accounting().newAccountant(), fresh);
        }
        if (s.entries().size() < wanted.size() || !reusable) {
            PrivacyAccountant acc = s.accountant();
            Map<Double, List<Double>> eps = new TreeMap<>();
            s.prefixEpsilons().forEach((d, l) -> eps.put(d, new ArrayList<>(l)));
            for (PrivacyLedgerEntry e : wanted.subList(s.entries().size(), wanted.size())) {
                acc = acc.compose(e.event());
                for (var d : eps.entrySet()) {
                    d.getValue().add(key.accounting().epsilon(acc, d.getKey()));
                }
            }
            eps.replaceAll((d, l) -> List.copyOf(l));
            s = new State(List.copyOf(wanted), acc, eps);
            synchronized (states) {
                states.put(key, s);
            }
        }
        return s;
    }

    private Object lock(Key key) {
        return locks.computeIfAbsent(key, k -> new Object());
    }
}
