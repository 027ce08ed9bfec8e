package org.cohort.privacy.accounting;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.cohort.privacy.json.CanonicalJson;

/**
 * Everything composed so far for one protected unit (a site's patients, or the sites of a
 * study), in order. Immutable: {@link #append} returns a new history. Exported in the
 * project's one canonical JSON form (RFC 8785), so the same history always gives the same
 * bytes, and parsed back to recompute every ε.
 */
public record EventHistory(Unit unit, List<PrivacyLedgerEntry> entries) {

    public EventHistory {
        if (unit == null) {
            throw new IllegalArgumentException("an event history needs a unit (PATIENT or SITE)");
        }
        entries = List.copyOf(entries);
        Set<String> ids = new HashSet<>();
        for (PrivacyLedgerEntry e : entries) {
            if (!ids.add(e.id())) {
                throw new IllegalArgumentException(
                        "duplicate ledger entry id '" + e.id() + "': an event may be charged only once");
            }
        }
    }

    public static EventHistory empty(Unit unit) {
        return new EventHistory(unit, List.of());
    }

    /** This history plus one entry; rejects an id that is already present. */
    public EventHistory append(String id, PrivacyEvent event) {
        List<PrivacyLedgerEntry> next = new ArrayList<>(entries);
        next.add(new PrivacyLedgerEntry(id, event));
        return new EventHistory(unit, next);
    }

    public boolean contains(String id) {
        return entries.stream().anyMatch(e -> e.id().equals(id));
    }

    /** The events in composition order. */
    public List<PrivacyEvent> events() {
        return entries.stream().map(PrivacyLedgerEntry::event).toList();
    }

    /**
     * Canonical JSON (RFC 8785, see {@link CanonicalJson}), e.g. {@code {"entries":[{"event":
     * {"noiseMultiplier":1.3,"samplingRate":0.0025,"steps":6000,"type":"sampled_gaussian"},
     * "id":"r1"}],"unit":"PATIENT"}}.
     */
    public String toCanonicalJson() {
        List<Map<String, Object>> list = new ArrayList<>(entries.size());
        for (PrivacyLedgerEntry e : entries) {
            list.add(Map.of("id", e.id(), "event", eventJson(e.event())));
        }
        return CanonicalJson.write(Map.of("unit", unit.name(), "entries", list));
    }

    /**
     * Parses an exported history: the form {@link #toCanonicalJson()} writes, and any other key
     * order, number spelling or JSON whitespace (histories exported before the RFC 8785 form wrote
     * "unit" first and numbers as {@code 1.0E-5}; they read back the same).
     */
    public static EventHistory parseCanonicalJson(String json) {
        Map<String, Object> root = StrictJsonReader.asObject(StrictJsonReader.parse(json), "history");
        Unit unit;
        String unitName = StrictJsonReader.string(root, "unit");
        try {
            unit = Unit.valueOf(unitName);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown unit '" + unitName + "': expected PATIENT or SITE", e);
        }
        List<PrivacyLedgerEntry> entries = new ArrayList<>();
        for (Object item : StrictJsonReader.array(root, "entries")) {
            Map<String, Object> entry = StrictJsonReader.asObject(item, "entry");
            Map<String, Object> event = StrictJsonReader.asObject(entry.get("event"), "event");
            entries.add(new PrivacyLedgerEntry(StrictJsonReader.string(entry, "id"), readEvent(event)));
        }
        return new EventHistory(unit, entries);
    }

    private static Map<String, Object> eventJson(PrivacyEvent event) {
        return switch (event) {
            case PrivacyEvent.SampledGaussian g ->
                Map.of(
                        "type",
                        "sampled_gaussian",
                        "samplingRate",
                        g.samplingRate(),
                        "noiseMultiplier",
                        g.noiseMultiplier(),
                        "steps",
                        g.steps());
            case PrivacyEvent.Gaussian g ->
                Map.of("type", "gaussian", "noiseMultiplier", g.noiseMultiplier(), "count", g.count());
        };
    }

    private static PrivacyEvent readEvent(Map<String, Object> o) {
        String type = StrictJsonReader.string(o, "type");
        return switch (type) {
            case "sampled_gaussian" ->
                new PrivacyEvent.SampledGaussian(
                        StrictJsonReader.number(o, "samplingRate"),
                        StrictJsonReader.number(o, "noiseMultiplier"),
                        StrictJsonReader.integer(o, "steps"));
            case "gaussian" ->
                new PrivacyEvent.Gaussian(
                        StrictJsonReader.number(o, "noiseMultiplier"), StrictJsonReader.integer(o, "count"));
            default ->
                throw new IllegalArgumentException(
                        "unknown privacy event type '" + type + "': expected sampled_gaussian or gaussian");
        };
    }
}
