package org.cohort.coordinator.round;

/** A new round state and what to do about it. */
public record Transition(RoundState state, RoundDecision decision) {}
