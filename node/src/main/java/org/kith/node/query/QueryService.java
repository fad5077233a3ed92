package org.kith.node.query;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import org.kith.node.base.KithException;
import org.kith.node.identity.Identity;
import org.kith.node.model.Model;
import org.kith.node.net.Dispatcher;
import org.kith.node.net.PeerRpc;
import org.kith.node.peers.PeerService;
import org.kith.node.records.RecordStore;
import org.kith.node.search.NoteSearch;
import org.kith.node.search.RecordRanker;

/**
 * Asking and answering (spec/PROTOCOL.md section 6.4): {@link Asking} for this node's questions,
 * {@link Answering} for its peers', sharing the query ids seen so a relayed query never loops.
 */
public final class QueryService {
  private final Asking asking;
  private final Answering answering;
  private final PeerRpc rpc;

  public QueryService(Identity identity, Model model, NoteSearch notes, RecordStore store, RecordRanker ranker,
      PeerService peers, PeerRpc rpc, Clock clock, Executor queryExecutor, BooleanSupplier online) {
    this.rpc = rpc;
    SeenQueries seen = new SeenQueries();
    this.asking = new Asking(identity, model, notes, store, ranker, peers, rpc, seen, clock, online);
    this.answering = new Answering(peers, store, ranker, model, rpc, seen, clock, queryExecutor);
  }

  public void register(Dispatcher d) {
    answering.register(d);
  }

  public Asking.AskResult ask(String question, int k, int hops, Duration timeout) throws KithException {
    return asking.ask(question, k, hops, timeout);
  }

  /** Sends one query to a connected peer as it is (tests, and relaying); fails when not connected or late. */
  public java.util.concurrent.CompletableFuture<org.kith.protocol.proto.Answer> query(
      org.kith.protocol.identity.PublicId peer, org.kith.protocol.proto.Query q, Duration timeout) {
    return Asking.query(rpc, peer, q, timeout);
  }

  /** Lowers or raises the per-peer query budget (benchmarks ask far more often than people do). */
  public void queriesPerPeerPerMinute(int n) {
    answering.queriesPerPeerPerMinute(n);
  }
}
