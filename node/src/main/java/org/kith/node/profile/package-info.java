/**
 * Aggregates: what a person may publish about their notes without publishing the notes. {@link
 * org.kith.node.profile.TopicProfiler} turns selected notes ({@link org.kith.node.profile.ProfileInput})
 * into at most eight {@link org.kith.node.profile.Topic}s: a centroid, three to five label words and a
 * Laplace-noised count. Pure computation: no I/O, no model, no clock; randomness comes in from the caller.
 *
 * <p>What protects a private note: no text leaves, only single words found in two or more notes (with
 * different texts) of a topic; no topic is made of one note, so no note's own embedding is published; and
 * counts are noisy. What does not: a centroid of two or three notes still says a good deal about them, and
 * the noise is calibrated for the counts of a fixed clustering, not for the profile as a whole (one note
 * more can change the clustering). Publishing a fresh profile of the same notes again and again lets a peer
 * average the count noise away, so a caller that republishes should reuse the profile it published.
 */
package org.kith.node.profile;
