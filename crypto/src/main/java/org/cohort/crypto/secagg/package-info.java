/**
 * Secure aggregation (SecAgg+): the coordinator learns the sum of the surviving sites' updates and
 * nothing else, unless at least a threshold of a site's neighbours collude with it.
 *
 * <p>The protocol is Bonawitz et al., "Practical Secure Aggregation for Privacy-Preserving Machine
 * Learning" (CCS 2017), run over the sparse random neighbour graph of Bell et al., "Secure
 * Single-Server Aggregation with (Poly)Logarithmic Overhead" (CCS 2020), so each site talks to
 * O(log n) others. A round has five stages, each a method of {@link
 * org.cohort.crypto.secagg.SecAggClient} (one per site) and a receive/close pair of {@link
 * org.cohort.crypto.secagg.SecAggServer} (one per round):
 * <ol>
 *   <li>advertise keys: two X25519 public keys per site, signed with its Ed25519 update key;
 *   <li>share keys: Shamir shares of the self-mask seed b and the mask key s among the site's
 *       neighbours, AES-GCM encrypted pairwise, relayed by the server;
 *   <li>masked input: y = x + PRG(b) + Σ ±PRG(s_ij) in Z(2^32), streamed in chunks;
 *   <li>consistency check: the survivors sign the survivor set;
 *   <li>unmasking: each survivor reveals, per neighbour, the share of b (survivor) or of s
 *       (dropped), never both; the server removes the masks and releases the sum.
 * </ol>
 *
 * <p>Pure logic: no I/O, no threads, no clocks. Messages are records with byte and int arrays,
 * copied in on construction and out on access — except the model-sized vectors ({@code values},
 * {@code sum}), handed out without a copy for speed: treat them as read-only. The transport maps
 * the records onto protobuf. Algorithms, labels and encodings are fixed in this package (see {@code
 * Labels}): X25519, HKDF-SHA256, AES-128-GCM for shares, AES-128-CTR for masks, Shamir sharing over
 * GF(2^256 + 297). {@link org.cohort.crypto.secagg.RingQuantizer} maps real updates into the ring
 * so that the sum cannot overflow.
 */
package org.cohort.crypto.secagg;
