package org.kith.node.records;

import java.util.List;
import org.kith.protocol.identity.PublicId;
import org.kith.protocol.record.VerifiedRecord;

/**
 * A record as this node holds it: verified, who it came from (null for our own), and its embedding once the
 * ranker computed it with our own model (a peer never supplies a vector we rank by).
 */
public final class Held {
  public final VerifiedRecord record;
  public final PublicId from;
  private volatile float[] vector;
  private volatile List<float[]> centroids;

  public Held(VerifiedRecord record, PublicId from) {
    this.record = record;
    this.from = from;
  }

  public PublicId author() {
    return PublicId.ofKey(record.record().getAuthor().toByteArray());
  }

  /** The text record's embedding, or null until the ranker made it. */
  public float[] vector() {
    return vector;
  }

  public void vector(float[] v) {
    this.vector = v;
  }

  /** A profile's topic centroids, or null until the ranker read them. */
  public List<float[]> centroids() {
    return centroids;
  }

  public void centroids(List<float[]> cs) {
    this.centroids = List.copyOf(cs);
  }
}
