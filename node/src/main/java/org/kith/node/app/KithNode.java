package org.kith.node.app;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.kith.node.base.Home;
import org.kith.node.base.HomeFolder;
import org.kith.node.base.KithException;
import org.kith.node.events.EventBus;
import org.kith.node.events.NodeEvent;
import org.kith.node.identity.Identity;
import org.kith.node.identity.PublicIdentityFile;
import org.kith.node.inbox.Inbox;
import org.kith.node.model.EmbedderSource;
import org.kith.node.model.Model;
import org.kith.node.net.Dispatcher;
import org.kith.node.net.Transport;
import org.kith.node.net.TransportConfig;
import org.kith.node.notes.NoteStore;
import org.kith.node.pairing.Pairing;
import org.kith.node.peers.InviteBook;
import org.kith.node.peers.HostPort;
import org.kith.node.peers.ListenConfig;
import org.kith.node.peers.PeerBook;
import org.kith.node.peers.PeerService;
import org.kith.node.profile.Profiles;
import org.kith.node.reach.AddressExchange;
import org.kith.node.reach.DirectUpgrade;
import org.kith.node.reach.LanConfig;
import org.kith.node.reach.LanDiscovery;
import org.kith.node.query.QueryService;
import org.kith.node.reach.PortMapKeeper;
import org.kith.node.reach.PortMapping;
import org.kith.node.reach.Reachability;
import org.kith.node.reach.Rooms;
import org.kith.node.records.RecordStore;
import org.kith.node.records.Sharing;
import org.kith.node.search.NoteSearch;
import org.kith.node.search.RecordRanker;
import org.kith.node.sync.SyncService;
import org.kith.node.vault.Vaults;
import org.kith.protocol.handshake.NetworkKey;
import org.kith.protocol.identity.PublicId;
import org.kith.storage.KdfProfile;
import org.kith.storage.Vault;

/**
 * The one composition root: opens the vault and builds every feature around it, wires them to the
 * transport through the {@link Dispatcher}, and owns the node's executors and scheduler. {@code kith start},
 * a command that opens the vault for itself, the demo, the test cluster and the benchmarks all build a node
 * here. A node opened by a command has a transport that does not listen (it can still dial, to pair);
 * {@link #start} makes it listen, keep peers connected and sync.
 */
public final class KithNode implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(KithNode.class);
  /** Tasks queued for the node's worker (vault writes for the network) before new ones are refused. */
  public static final int MAX_QUEUED_TASKS = 256;
  /** Threads answering queries; apart from the worker so pairing and sync never wait behind a query. */
  public static final int QUERY_THREADS = 2;
  /** Threads verifying synced records; a pull has at most one batch being verified, so the queue is bounded. */
  public static final int VERIFY_THREADS = Math.max(2, Runtime.getRuntime().availableProcessors());

  /**
   * What a node is built with: its clock, how the model loads, the transport's limits and timers, whether
   * {@link #start} starts syncing by itself (benchmarks that time their own pulls turn it off), and how costly the
   * passphrase stretching of a vault made by {@link #init} is ({@link KdfProfile#PRODUCTION} unless a test suite
   * says otherwise).
   */
  public record Options(Clock clock, EmbedderSource embedders, TransportConfig transport, boolean autoSync,
      KdfProfile kdf, LanConfig lan) {
    public Options {
      java.util.Objects.requireNonNull(kdf, "kdf");
      java.util.Objects.requireNonNull(lan, "lan");
    }

    /** LAN discovery is off unless asked for: {@code kith start} asks, tests name loopback targets. */
    public static Options of(EmbedderSource embedders) {
      return new Options(Clock.systemUTC(), embedders, TransportConfig.defaults(), true, KdfProfile.PRODUCTION,
          LanConfig.OFF);
    }

    public Options withClock(Clock c) {
      return new Options(c, embedders, transport, autoSync, kdf, lan);
    }

    public Options withTransport(TransportConfig t) {
      return new Options(clock, embedders, t, autoSync, kdf, lan);
    }

    public Options withoutAutoSync() {
      return new Options(clock, embedders, transport, false, kdf, lan);
    }

    /** Only test suites pass anything but {@link KdfProfile#PRODUCTION}: see {@link KdfProfile}. */
    public Options withKdf(KdfProfile k) {
      return new Options(clock, embedders, transport, autoSync, k, lan);
    }

    public Options withLan(LanConfig l) {
      return new Options(clock, embedders, transport, autoSync, kdf, l);
    }
  }

  private final Home home;
  private final Vault vault;
  private final Clock clock;
  private final Identity identity;
  private final Model model;
  private final NoteStore notes;
  private final NoteSearch search;
  private final PeerBook peerBook;
  private final InviteBook invites;
  private final RecordStore records;
  private final Sharing sharing;
  private final RecordRanker ranker;
  private final PeerService peers;
  private final Pairing pairing;
  private final SyncService sync;
  private final QueryService queries;
  private final Profiles profiles;
  private final EventBus events;
  private final Inbox inbox;
  private final Rooms rooms;
  private final AddressExchange addresses;
  /** Public or mapped addresses verified from outside ({@code HOST:PORT}), most reachable first; none yet. */
  private volatile java.util.function.Supplier<List<String>> verifiedAddresses = List::of;
  private final DirectUpgrade upgrade;
  private final Transport transport;
  private final Dispatcher dispatcher;
  private final ExecutorService worker;
  private final ExecutorService queryWorker;
  private final ExecutorService verifier;
  private final ScheduledExecutorService scheduler;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile ListenConfig listening;
  private final boolean autoSync;
  private final LanConfig lanConfig;
  private volatile LanDiscovery lan;
  private final Reachability reachability;
  private volatile PortMapKeeper portMap;
  private final boolean permissionsTightened;

  /** Creates the home, the vault and a new identity, and opens the node. Refuses if a vault is already there. */
  public static KithNode init(Home home, char[] passphrase, String name, Options options) throws KithException {
    if (Vault.exists(home.vaultDir())) {
      throw KithException.badInput(
          "a Kith vault already exists at " + home.vaultDir() + "; nothing was changed (use --home for another)");
    }
    if (passphrase.length < 8) {
      throw KithException.badInput("the passphrase is too short: use at least 8 characters");
    }
    try {
      HomeFolder.create(home);
    } catch (IOException e) {
      throw KithException.badInput("cannot create the home folder " + home.dir() + ": " + e.getMessage());
    }
    Vault vault = Vaults.create(home.vaultDir(), passphrase, options.kdf());
    try {
      Identity.create(vault, name).close();
      // Loading libsodium made the cache folder with the umask.
      HomeFolder.tighten(home);
      KithNode node = new KithNode(home, vault, options, false);
      PublicIdentityFile.write(home, node.id());
      return node;
    } catch (KithException | RuntimeException e) {
      vault.close();
      throw e;
    }
  }

  /**
   * Opens the vault of {@code home} and builds the node; nothing listens until {@link #start}. On a full disk the
   * vault opens read-only ({@link Vault#readOnly()}): reads and backups work, writes fail with a message that says
   * why. The home folder and the vault are set to owner-only ({@link #permissionsTightened()}).
   */
  public static KithNode open(Home home, char[] passphrase, Options options) throws KithException {
    Vault vault = Vaults.open(home.vaultDir(), passphrase);
    try {
      // After the vault opened, so that a refused open (a wrong passphrase, a damaged vault) changes nothing.
      boolean homeTightened = HomeFolder.tighten(home);
      KithNode node = new KithNode(home, vault, options, homeTightened || vault.permissionsTightened());
      // For vaults made before identity.pub existed, and homes restored from a backup.
      PublicIdentityFile.write(home, node.id());
      return node;
    } catch (KithException | RuntimeException e) {
      vault.close();
      throw e;
    }
  }

  private KithNode(Home home, Vault vault, Options o, boolean permissionsTightened) throws KithException {
    this.home = home;
    this.vault = vault;
    this.permissionsTightened = permissionsTightened;
    this.clock = o.clock();
    this.autoSync = o.autoSync();
    this.lanConfig = o.lan();
    this.identity = Identity.load(vault);
    this.worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>(MAX_QUEUED_TASKS), daemon("kith-node"));
    this.queryWorker = new ThreadPoolExecutor(QUERY_THREADS, QUERY_THREADS, 0, TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>(MAX_QUEUED_TASKS), daemon("kith-query"));
    this.verifier = new ThreadPoolExecutor(VERIFY_THREADS, VERIFY_THREADS, 0, TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>(), daemon("kith-verify"));
    this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("kith-timer"));

    this.model = new Model(home.cacheDir(), o.embedders());
    this.notes = new NoteStore(vault, model, clock);
    this.search = new NoteSearch(notes, model);
    this.peerBook = new PeerBook(vault);
    this.invites = new InviteBook(vault, clock);
    this.records = new RecordStore(vault, clock);
    this.sharing = new Sharing(records, identity, clock);
    this.ranker = new RecordRanker(model, records, clock);
    this.profiles = new Profiles(notes, model, vault, sharing);
    this.events = new EventBus(scheduler);
    this.inbox = new Inbox(vault, records, search, ranker, peerBook, events, clock, worker);
    records.onPeerRecords(arrived -> {
      events.publish(NodeEvent.of(NodeEvent.RECORD_ARRIVED, "count", arrived.size()));
      inbox.arrived(arrived);
    });

    this.dispatcher = new Dispatcher(null);
    this.transport = new Transport(o.transport(), identity.keyPair(), NetworkKey.KITH_V1, dispatcher, dispatcher,
        clock);
    this.peers = new PeerService(peerBook, records, transport, clock, worker);
    dispatcher.relations(peers);
    this.pairing = new Pairing(identity, peerBook, invites, peers, transport, clock, worker, this::advertised);
    this.sync = new SyncService(records, ranker, peers, transport, clock, worker, verifier, scheduler);
    this.queries = new QueryService(identity, model, search, records, ranker, peers, transport, clock, queryWorker,
        this::running);
    this.rooms = new Rooms(vault, identity.keyPair(), transport, this::acceptsTunnel,
        () -> peerBook.paired().stream().map(org.kith.node.peers.Peer::id).toList(), clock, scheduler, worker);
    pairing.tunnels(rooms::dial);
    transport.tunnels(rooms::dial);
    this.reachability = new Reachability(rooms::dialBack, rooms::connectedNames, clock, scheduler);
    rooms.onWelcome(r -> reachability.roomConnected());
    this.addresses = new AddressExchange(vault, identity, peerBook, peers, transport, clock, worker,
        this::ownAddresses);
    pairing.onPaired(addresses::paired);
    rooms.onChange(addresses::changed);
    // A mapped or public address a room dialled back (spec/PROTOCOL.md 12.5.3) goes into invites and records.
    this.verifiedAddresses = () -> reachability.verified().stream()
        .map(a -> a.startsWith(HostPort.TCP) ? a.substring(HostPort.TCP.length()) : a).toList();
    reachability.onChange(v -> addresses.changed());
    addresses.register(dispatcher);
    this.upgrade = new DirectUpgrade(transport, rooms, peerBook::isPaired, clock, scheduler);
    upgrade.listenAddresses(() -> {
      ListenConfig l = listening;
      return l == null ? List.of() : l.advertised();
    });
    upgrade.register(dispatcher);
    peers.register(dispatcher);
    pairing.register(dispatcher);
    sync.register(dispatcher);
    queries.register(dispatcher);
  }

  /**
   * Whether to accept a tunnel a room offers from {@code key} (spec/PROTOCOL.md 12.2.4): from a paired peer, and from
   * a key not yet paired only while an invite is open (it may then send one PAIR_REQUEST, as over TCP).
   */
  private boolean acceptsTunnel(PublicId key) {
    if (peerBook.isBlocked(key)) {
      return false;
    }
    if (peerBook.get(key).isPresent()) {
      return true;
    }
    try {
      long now = clock.instant().getEpochSecond();
      return invites.list().stream().anyMatch(i -> i.usesLeft() > 0 && i.expiresAtSeconds() > now);
    } catch (KithException e) {
      return false;
    }
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * Listens for peers, remembers where (so an invite made while stopped carries the port), keeps every paired
   * peer connected and starts the periodic sync. Returns the bound address (port 0 picks one).
   */
  public InetSocketAddress start(ListenConfig cfg) throws KithException {
    return start(cfg, lanConfig);
  }

  /**
   * {@link #start(ListenConfig)}, and LAN discovery as {@code lanCfg} says (never beyond loopback for a node that
   * listens on loopback only: {@link LanConfig#allowedFor}). A discovery port that cannot be bound is not fatal: the
   * node runs without it and says so in its log.
   */
  public InetSocketAddress start(ListenConfig cfg, LanConfig lanCfg) throws KithException {
    return start(cfg, lanCfg, null);
  }

  /**
   * {@link #start(ListenConfig, LanConfig)}, and port mapping with what {@code portMapping} makes (null: none, as
   * {@code --no-port-mapping}; never for a node that listens on loopback only), in the background.
   */
  public InetSocketAddress start(ListenConfig cfg, LanConfig lanCfg, java.util.function.Supplier<PortMapping>
      portMapping) throws KithException {
    InetSocketAddress bound;
    try {
      bound = transport.listen(cfg.host(), cfg.port());
    } catch (IOException e) {
      String why = e.getCause() != null && e.getCause().getMessage() != null ? e.getCause().getMessage()
          : e.getMessage();
      throw KithException.badInput("cannot listen on " + cfg.host() + ":" + cfg.port() + ": " + why
          + " (is another node using that port? pick another with --listen HOST:PORT)");
    }
    ListenConfig actual = new ListenConfig(cfg.host(), bound.getPort());
    actual.save(vault);
    listening = actual;
    // Before any connection opens, so that the first peers get the new record.
    addresses.changed();
    peers.maintainAll();
    rooms.start();
    if (autoSync) {
      sync.start();
    }
    boolean loopbackOnly = Reachability.loopbackOnly(cfg.host());
    reachability.listening(bound.getPort(), loopbackOnly, portMapping != null);
    if (portMapping != null && !loopbackOnly) {
      PortMapKeeper k = new PortMapKeeper(portMapping.get(), reachability::mapped, clock,
          Executors.newSingleThreadScheduledExecutor(daemon("kith-portmap")));
      portMap = k;
      k.start(bound.getPort());
    }
    if (lanCfg.allowedFor(cfg.host())) {
      LanDiscovery d = new LanDiscovery(lanCfg, identity.id(), bound.getPort(),
          () -> peerBook.paired().stream().map(org.kith.node.peers.Peer::id).toList(), peers::lanSeen, clock,
          scheduler);
      try {
        d.start();
        lan = d;
      } catch (IOException e) {
        d.close();
        LOG.warn("LAN discovery is off: cannot bind UDP port {} ({})", lanCfg.port(), e.getClass().getSimpleName());
      }
    }
    return bound;
  }

  /** What the node knows of its own reachability: mapping, dial-back checks, rooms. */
  public Reachability reachability() {
    return reachability;
  }

  /** LAN discovery, while it runs. */
  public java.util.Optional<LanDiscovery> lan() {
    return java.util.Optional.ofNullable(lan);
  }

  /** True once {@link #start} ran: the node listens and keeps its peers connected. */
  public boolean running() {
    return listening != null;
  }

  /** "host:port" where peers reach this node, "0.0.0.0" for all interfaces; null when not listening. */
  public String listenAddress() {
    InetSocketAddress a = transport.listenAddress().orElse(null);
    if (a == null) {
      return null;
    }
    String host = a.getAddress() != null && a.getAddress().isAnyLocalAddress() ? "0.0.0.0" : a.getHostString();
    return host + ":" + a.getPort();
  }

  /** Addresses to put in invites, most reachable first: where this node listens, or where it last listened. */
  public List<String> advertised() {
    ListenConfig c = listening;
    if (c == null) {
      try {
        c = ListenConfig.load(vault);
      } catch (KithException e) {
        c = null;
      }
    }
    return reachableAt(c, false, org.kith.protocol.identity.InviteCode.MAX_ADDRESSES);
  }

  /**
   * This node's addresses for its address record (spec/PROTOCOL.md 12.3), {@code tcp:HOST:PORT} and
   * {@code room:ID@HOST:PORT}; none while it does not listen.
   */
  public List<String> ownAddresses() {
    return reachableAt(listening, true, AddressExchange.MAX_ADDRESSES);
  }

  /**
   * Where peers reach this node, at most {@code max}: the verified public or mapped addresses, its LAN addresses,
   * the loopback one, then its rooms (a direct link is better when it works). When there are too many, the rooms stay
   * and TCP addresses give way: further LAN addresses first, then loopback, then verified ones, the first LAN
   * address last.
   */
  private List<String> reachableAt(ListenConfig c, boolean prefixed, int max) {
    List<String> viaRooms = rooms.addresses();
    viaRooms = viaRooms.size() > max ? viaRooms.subList(0, max) : viaRooms;
    List<String> display = new java.util.ArrayList<>();
    List<String> priority = new java.util.ArrayList<>();
    if (c != null) {
      List<String> lan = new java.util.ArrayList<>(c.advertised());
      String loopback = lan.size() > 1 ? lan.remove(lan.size() - 1) : null;
      List<String> verified = verifiedAddresses.get().stream().distinct().toList();
      lan.removeAll(verified); // a public listen address a room dialled back moves to the front
      // A verified address first: it works from anywhere, and invitees try the addresses in order.
      display.addAll(verified);
      display.addAll(lan);
      if (!lan.isEmpty()) {
        priority.add(lan.get(0));
      }
      priority.addAll(verified);
      if (loopback != null) {
        display.add(loopback);
        priority.add(loopback);
      }
      priority.addAll(lan.subList(Math.min(1, lan.size()), lan.size()));
    }
    List<String> kept = priority.subList(0, Math.min(priority.size(), Math.max(0, max - viaRooms.size())));
    List<String> out = new java.util.ArrayList<>();
    for (String a : display) {
      if (kept.contains(a)) {
        out.add(prefixed ? org.kith.node.peers.HostPort.TCP + a : a);
      }
    }
    out.addAll(viaRooms);
    return out;
  }

  /**
   * Where the public or mapped addresses verified from outside come from ({@code HOST:PORT}, most reachable
   * first), for invites and the address record; call {@link #addressesChanged()} when they change.
   */
  public void verifiedAddresses(java.util.function.Supplier<List<String>> supplier) {
    this.verifiedAddresses = java.util.Objects.requireNonNull(supplier, "supplier");
  }

  /** This node's addresses may have changed: peers get a new address record if they did. */
  public void addressesChanged() {
    addresses.changed();
  }

  /** This node's address record and peers' records. */
  public AddressExchange addresses() {
    return addresses;
  }

  public Home home() {
    return home;
  }

  /**
   * True if opening found the home folder, a file directly in it, or the vault readable by other accounts and set
   * them to owner-only; the front end tells the person, since their data may have been exposed until now.
   */
  public boolean permissionsTightened() {
    return permissionsTightened;
  }

  /** True if writes are off because the vault's disk is full (see {@link Vault#readOnly()}). */
  public boolean readOnly() {
    return vault.readOnly();
  }

  public Vault vault() {
    return vault;
  }

  public Clock clock() {
    return clock;
  }

  public PublicId id() {
    return identity.id();
  }

  public Identity identity() {
    return identity;
  }

  public Model model() {
    return model;
  }

  public NoteStore notes() {
    return notes;
  }

  public NoteSearch search() {
    return search;
  }

  public RecordStore records() {
    return records;
  }

  public Sharing sharing() {
    return sharing;
  }

  public RecordRanker ranker() {
    return ranker;
  }

  public PeerBook peerBook() {
    return peerBook;
  }

  public InviteBook invites() {
    return invites;
  }

  public PeerService peers() {
    return peers;
  }

  public Pairing pairing() {
    return pairing;
  }

  public SyncService sync() {
    return sync;
  }

  public QueryService queries() {
    return queries;
  }

  public Profiles profiles() {
    return profiles;
  }

  /** The node's events, which the local API streams to the page. */
  public EventBus events() {
    return events;
  }

  /** Peers' needs that our notes or offers fit. */
  public Inbox inbox() {
    return inbox;
  }

  /** What peers' frames reached which feature, for tests. */
  public Dispatcher dispatcher() {
    return dispatcher;
  }

  /** The rooms this node joined and its connections through them. */
  public Rooms rooms() {
    return rooms;
  }

  /** The upgrade of connections through rooms to direct ones (spec/PROTOCOL.md 12.4). */
  public DirectUpgrade directUpgrade() {
    return upgrade;
  }

  /** The transport, for tests and benchmarks that look at connections. */
  public Transport transport() {
    return transport;
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    sync.close();
    PortMapKeeper k = portMap;
    if (k != null) {
      k.close(); // removes the mapping from the router, waiting a few seconds at most
    }
    LanDiscovery d = lan;
    if (d != null) {
      d.close();
    }
    events.close();
    scheduler.shutdownNow();
    transport.close();
    rooms.close();
    queryWorker.shutdown();
    verifier.shutdown();
    worker.shutdown();
    try {
      worker.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    model.close();
    identity.close();
    vault.close();
  }
}
