package org.cohort.privacy.accounting.pld;

/**
 * Which neighbouring dataset the privacy loss is measured against under add/remove-one
 * adjacency. With Poisson subsampling the two directions give different privacy loss
 * distributions and a mechanism is only as private as the worse of the two, so accountants
 * track both and report the maximum (as dp_accounting does).
 */
public enum Adjacency {
    /** The neighbour has one more record: upper = M(D), lower = M(D ∪ {x}). */
    ADD,
    /** The neighbour has one record fewer: upper = M(D ∪ {x}), lower = M(D). */
    REMOVE
}
