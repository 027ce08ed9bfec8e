package org.cohort.coordinator.cluster;

import java.io.Serializable;

/**
 * A value that Hazelcast stores and sends only sealed ({@link EncryptingSerializer}): round state
 * (it carries the round nonce), messages between replicas (tasks, secure-aggregation steps, site
 * outcomes) and partial-sum calls. Members read and write them as usual; a process that reaches
 * the cluster port or its traffic without the CA keystore can neither read nor forge them.
 *
 * <p>Sealing is randomised: never use such a value as a map key or in an operation that compares
 * serialized values ({@code replace(k, old, new)}, {@code remove(k, v)}); those would never match.
 */
public interface EncryptedInCluster extends Serializable {}
