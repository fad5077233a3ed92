package org.kith.node.api;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.kith.node.KithException;
import org.kith.node.NodeServices;
import org.kith.node.PersonalNode;
import org.kith.node.Vaults;
import org.kith.node.notes.Note;
import org.kith.node.pairing.Peer;
import org.kith.protocol.handshake.NetworkKey;
import org.kith.protocol.identity.InviteCode;
import org.kith.protocol.identity.PublicId;
import org.kith.storage.VaultException;

/**
 * The local API's routing table (spec/API.md), used both by the HTTP server of a running node and by CLI
 * commands that opened the vault themselves, so the two can never drift apart. Each route takes JSON and
 * returns JSON; failures are {@link KithException}s whose exit code maps to an HTTP status.
 */
public final class Router {
  public static final String PREFIX = "/v1/";
  public static final int MAX_IMPORT_PATHS = 1000;

  /** A request, already authenticated. */
  public record Request(String method, String path, Map<String, String> query, JsonObject body) {}

  private final NodeServices services;
  private final ShareRoutes shares;

  public Router(NodeServices services) {
    this.services = services;
    this.shares = new ShareRoutes(services);
  }

  public JsonElement handle(Request r) throws KithException {
    if (!r.path().startsWith(PREFIX)) {
      throw new NotFound("no such API path: " + r.path() + " (this node speaks /v1/)");
    }
    String[] parts = r.path().substring(PREFIX.length()).split("/", -1);
    String method = r.method().toUpperCase(Locale.ROOT);
    String head = parts[0];
    int n = parts.length;
    switch (head) {
      case "status":
        return only(method, "GET", () -> status());
      case "id":
        return only(method, "GET", () -> identity());
      case "notes":
        if (n == 1) {
          return switch (method) {
            case "GET" -> listNotes(r.query().get("tag"));
            case "POST" -> addNote(r.body());
            default -> throw notAllowed(method, r.path());
          };
        }
        if (n == 2 && parts[1].equals("import")) {
          return only(method, "POST", () -> importNotes(r.body()));
        }
        if (n == 2) {
          return switch (method) {
            case "GET" -> Json.note(services.node().showNote(parts[1]), true);
            case "DELETE" -> removeNote(parts[1]);
            default -> throw notAllowed(method, r.path());
          };
        }
        break;
      case "search":
        return only(method, "GET", () -> search(r.query()));
      case "invites":
        if (n == 1) {
          return only(method, "POST", () -> invite(r.body()));
        }
        break;
      case "pair":
        return only(method, "POST", () -> pair(r.body()));
      case "peers":
        if (n == 1) {
          return only(method, "GET", () -> peers());
        }
        if (n == 2) {
          return switch (method) {
            case "PATCH" -> updatePeer(parts[1], r.body());
            case "DELETE" -> unpair(parts[1]);
            default -> throw notAllowed(method, r.path());
          };
        }
        if (n == 3 && parts[2].equals("block")) {
          return only(method, "POST", () -> peerJson(services.block(parts[1])));
        }
        break;
      case "backup":
        return only(method, "POST", () -> backup(r.body()));
      case "shares":
      case "offers":
      case "needs":
      case "shared":
      case "ask":
      case "sync":
      case "profile":
        return shares.handle(method, parts, r);
      default:
        break;
    }
    throw new NotFound("no such API path: " + r.path());
  }

  /** 404. */
  public static final class NotFound extends KithException {
    public NotFound(String message) {
      super(BAD_INPUT, message);
    }
  }

  /** 405. */
  public static final class NotAllowed extends KithException {
    public NotAllowed(String message) {
      super(USAGE, message);
    }
  }

  interface Call {
    JsonElement run() throws KithException;
  }

  static JsonElement only(String method, String want, Call call) throws KithException {
    if (!method.equals(want)) {
      throw new NotAllowed("use " + want + " here, not " + method);
    }
    return call.run();
  }

  static NotAllowed notAllowed(String method, String path) {
    return new NotAllowed(method + " is not allowed on " + path);
  }

  // ---- routes

  JsonObject identity() throws KithException {
    PublicId id = services.node().id();
    JsonObject o = new JsonObject();
    o.addProperty("id", id.text());
    o.addProperty("publicKey", id.hex());
    o.addProperty("fingerprint", id.fingerprint());
    o.addProperty("name", services.node().name());
    o.addProperty("networkKey", java.util.HexFormat.of().formatHex(NetworkKey.KITH_V1.bytes()));
    return o;
  }

  JsonObject status() throws KithException {
    JsonObject o = new JsonObject();
    o.addProperty("home", services.node().home().dir().toString());
    o.addProperty("vault", "unlocked");
    o.addProperty("running", services.running());
    o.addProperty("listen", services.network() == null ? null : services.network().listenAddress());
    o.add("identity", identity());
    o.addProperty("notes", services.node().noteCount());
    List<Peer> paired = services.peers().paired();
    o.addProperty("peers", paired.size());
    o.addProperty("connected", paired.stream().filter(p -> services.connected(p.id())).count());
    o.addProperty("model", services.node().modelState());
    return o;
  }

  JsonArray listNotes(String tag) throws KithException {
    String want = tag == null || tag.isBlank() ? null : tag.strip().replaceFirst("^#", "").toLowerCase(Locale.ROOT);
    JsonArray a = new JsonArray();
    for (Note n : services.node().listNotes()) {
      if (want == null || n.tags().contains(want)) {
        a.add(Json.note(n, false));
      }
    }
    return a;
  }

  JsonObject addNote(JsonObject body) throws KithException {
    String text = Json.str(body, "text", null);
    if (text == null || text.isBlank()) {
      throw KithException.badInput("the note is empty; nothing was added");
    }
    List<String> tags = new ArrayList<>();
    if (body.has("tags") && body.get("tags").isJsonArray()) {
      body.getAsJsonArray("tags").forEach(e -> tags.add(e.getAsString()));
    }
    return Json.note(services.node().addNote(text, tags), false);
  }

  JsonObject removeNote(String id) throws KithException {
    Note n = services.node().removeNote(id);
    JsonObject o = Json.note(n, false);
    o.addProperty("removed", true);
    return o;
  }

  JsonObject importNotes(JsonObject body) throws KithException {
    if (body == null || !body.has("paths") || !body.get("paths").isJsonArray()) {
      throw KithException.badInput("give {\"paths\": [\"FILE or FOLDER\", ...]}");
    }
    List<Path> paths = new ArrayList<>();
    for (JsonElement e : body.getAsJsonArray("paths")) {
      paths.add(Path.of(e.getAsString()));
    }
    if (paths.size() > MAX_IMPORT_PATHS) {
      throw KithException.badInput("at most " + MAX_IMPORT_PATHS + " paths at once");
    }
    PersonalNode.ImportResult r = services.node().importPaths(paths, org.kith.node.Importer.Progress.NONE);
    return Json.importResult(r);
  }

  JsonArray search(Map<String, String> q) throws KithException {
    String text = q.get("q");
    int k;
    try {
      k = Integer.parseInt(q.getOrDefault("k", "5"));
    } catch (NumberFormatException e) {
      throw KithException.badInput("k must be a number: " + q.get("k"));
    }
    JsonArray a = new JsonArray();
    for (PersonalNode.SearchHit h : services.node().search(text, k)) {
      JsonObject o = Json.note(h.note(), false);
      o.addProperty("score", Math.round(h.score() * 10000) / 10000.0);
      a.add(o);
    }
    return a;
  }

  JsonObject invite(JsonObject body) throws KithException {
    String circle = Json.str(body, "circle", Peer.DEFAULT_CIRCLE);
    long secs = body != null && body.has("expiresSeconds") ? body.get("expiresSeconds").getAsLong()
        : org.kith.node.pairing.InviteBook.DEFAULT_EXPIRY.toSeconds();
    int uses = body != null && body.has("uses") ? body.get("uses").getAsInt() : 1;
    InviteCode code = services.invite(circle, Duration.ofSeconds(secs), uses);
    JsonObject o = new JsonObject();
    o.addProperty("code", code.text());
    o.addProperty("circle", circle);
    o.addProperty("uses", uses);
    o.addProperty("expiresAt", Instant.ofEpochSecond(code.expiresAtSeconds()).toString());
    o.add("addresses", Json.strings(code.addresses()));
    return o;
  }

  JsonObject pair(JsonObject body) throws KithException {
    String code = Json.str(body, "code", null);
    if (code == null) {
      throw KithException.badInput("give {\"code\": \"kithinv1...\"}");
    }
    long timeout = body.has("timeoutSeconds") ? body.get("timeoutSeconds").getAsLong() : 15;
    Peer p = services.pair(code, Json.str(body, "name", null), Duration.ofSeconds(Math.max(1, Math.min(timeout, 120))));
    return peerJson(p);
  }

  JsonArray peers() {
    JsonArray a = new JsonArray();
    for (Peer p : services.peers().all()) {
      a.add(peerJson(p));
    }
    return a;
  }

  JsonObject peerJson(Peer p) {
    return Json.peer(p, services.connected(p.id()));
  }

  JsonObject updatePeer(String ref, JsonObject body) throws KithException {
    Peer p = services.peers().find(ref);
    String name = Json.str(body, "name", null);
    String circle = Json.str(body, "circle", null);
    if (name == null && circle == null) {
      throw KithException.badInput("give {\"name\": ...} and/or {\"circle\": ...}");
    }
    if (name != null) {
      p = services.rename(p.id().text(), name);
    }
    if (circle != null) {
      p = services.moveToCircle(p.id().text(), circle);
    }
    return peerJson(p);
  }

  JsonObject unpair(String ref) throws KithException {
    Peer p = services.peers().find(ref);
    boolean told = services.unpair(p.id().text());
    JsonObject o = new JsonObject();
    o.addProperty("id", p.id().text());
    o.addProperty("petname", p.petname());
    o.addProperty("unpaired", true);
    o.addProperty("told", told);
    return o;
  }

  JsonObject backup(JsonObject body) throws KithException {
    String file = Json.str(body, "file", null);
    if (file == null) {
      throw KithException.badInput("give {\"file\": \"PATH\"}");
    }
    Path f = Path.of(file);
    if (java.nio.file.Files.exists(f)) {
      throw KithException.badInput(f + " already exists; choose a new file name (nothing was written)");
    }
    try {
      services.node().vault().backup(f);
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
    JsonObject o = new JsonObject();
    o.addProperty("file", f.toAbsolutePath().toString());
    try {
      o.addProperty("bytes", java.nio.file.Files.size(f));
    } catch (java.io.IOException e) {
      o.addProperty("bytes", -1);
    }
    return o;
  }
}
