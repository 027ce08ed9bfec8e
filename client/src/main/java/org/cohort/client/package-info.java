/**
 * The coordinator's REST API as typed calls: {@code client.studies().start(id)},
 * {@code client.audit().verify()}, {@code client.enrollment().token(name, ttl)}.
 *
 * <p>One client for every caller (the {@code cohort} CLI, the demo, the end-to-end tests, the
 * ML team's tools), so that each path is written once and a changed endpoint is changed in one
 * place. Answers are Jackson trees: callers read the fields they need, and a field the
 * coordinator adds reaches them without a client release. Its own module because it is a
 * library, used by the CLI application and the simulation alike, and needs only Jackson.
 */
package org.cohort.client;
