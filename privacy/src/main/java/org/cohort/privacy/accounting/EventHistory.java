package org.cohort.privacy.accounting;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything composed so far for one protected unit (a site's patients, or the sites of a
 * study), in order. Immutable: {@link #append} returns a new history. The canonical JSON form
 * is stable (fixed key order, no whitespace, shortest round-tripping numbers) so it can be
 * hashed into the audit log and parsed back to recompute every ε.
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
        throw new IllegalArgumentException("duplicate ledger entry id '" + e.id() + "': an event may be charged only once");
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
   * Canonical JSON, e.g. {@code {"unit":"PATIENT","entries":[{"id":"r1","event":{"type":
   * "sampled_gaussian","samplingRate":0.0025,"noiseMultiplier":1.3,"steps":6000}}]}}.
   */
  public String toCanonicalJson() {
    StringBuilder sb = new StringBuilder();
    sb.append("{\"unit\":");
    CanonicalJson.writeString(sb, unit.name());
    sb.append(",\"entries\":[");
    for (int i = 0; i < entries.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      PrivacyLedgerEntry e = entries.get(i);
      sb.append("{\"id\":");
      CanonicalJson.writeString(sb, e.id());
      sb.append(",\"event\":");
      writeEvent(sb, e.event());
      sb.append('}');
    }
    sb.append("]}");
    return sb.toString();
  }

  /** Parses the form written by {@link #toCanonicalJson()} (any JSON whitespace is accepted). */
  public static EventHistory parseCanonicalJson(String json) {
    Map<String, Object> root = CanonicalJson.asObject(CanonicalJson.parse(json), "history");
    Unit unit;
    String unitName = CanonicalJson.string(root, "unit");
    try {
      unit = Unit.valueOf(unitName);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown unit '" + unitName + "': expected PATIENT or SITE", e);
    }
    List<PrivacyLedgerEntry> entries = new ArrayList<>();
    for (Object item : CanonicalJson.array(root, "entries")) {
      Map<String, Object> entry = CanonicalJson.asObject(item, "entry");
      Map<String, Object> event = CanonicalJson.asObject(entry.get("event"), "event");
      entries.add(new PrivacyLedgerEntry(CanonicalJson.string(entry, "id"), readEvent(event)));
    }
    return new EventHistory(unit, entries);
  }

  private static void writeEvent(StringBuilder sb, PrivacyEvent event) {
    switch (event) {
      case PrivacyEvent.SampledGaussian g -> {
        sb.append("{\"type\":\"sampled_gaussian\",\"samplingRate\":");
        CanonicalJson.writeNumber(sb, g.samplingRate());
        sb.append(",\"noiseMultiplier\":");
        CanonicalJson.writeNumber(sb, g.noiseMultiplier());
        sb.append(",\"steps\":").append(g.steps()).append('}');
      }
      case PrivacyEvent.Gaussian g -> {
        sb.append("{\"type\":\"gaussian\",\"noiseMultiplier\":");
        CanonicalJson.writeNumber(sb, g.noiseMultiplier());
        sb.append(",\"count\":").append(g.count()).append('}');
      }
    }
  }

  private static PrivacyEvent readEvent(Map<String, Object> o) {
    String type = CanonicalJson.string(o, "type");
    return switch (type) {
      case "sampled_gaussian" -> new PrivacyEvent.SampledGaussian(
          CanonicalJson.number(o, "samplingRate"),
          CanonicalJson.number(o, "noiseMultiplier"),
          CanonicalJson.integer(o, "steps"));
      case "gaussian" -> new PrivacyEvent.Gaussian(
          CanonicalJson.number(o, "noiseMultiplier"), CanonicalJson.integer(o, "count"));
      default -> throw new IllegalArgumentException(
          "unknown privacy event type '" + type + "': expected sampled_gaussian or gaussian");
    };
  }
}
