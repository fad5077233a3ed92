package org.kith.node.search;

import java.util.List;
import org.kith.node.base.KithException;
import org.kith.node.model.Model;
import org.kith.node.notes.NoteStore;

/** Searching your own vault by meaning: the question is embedded by this node's model and matched to notes. */
public final class NoteSearch {
  private final NoteStore notes;
  private final Model model;

  public NoteSearch(NoteStore notes, Model model) {
    this.notes = notes;
    this.model = model;
  }

  public List<NoteStore.Scored> search(String query, int k) throws KithException {
    if (query == null || query.isBlank()) {
      throw KithException.badInput("the search query is empty");
    }
    if (k < 1 || k > NoteStore.MAX_K) {
      throw KithException.badInput("-k must be between 1 and " + NoteStore.MAX_K + ": " + k);
    }
    return notes.nearest(model.embed(query), k);
  }

  /** {@link #search} with a vector the caller embedded already (asking embeds the question once). */
  public List<NoteStore.Scored> search(float[] query, int k) throws KithException {
    return notes.nearest(query, k);
  }
}
