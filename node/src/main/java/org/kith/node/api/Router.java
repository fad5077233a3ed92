package org.kith.node.api;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.kith.node.app.KithNode;
import org.kith.node.base.KithException;

/**
 * The local API's one route table (spec/API.md), used both by the HTTP server of a running node and by CLI
 * commands that opened the vault themselves, so the two can never drift apart. Each route takes JSON and
 * returns JSON; failures are {@link KithException}s whose exit code maps to an HTTP status.
 */
public final class Router {
  public static final String PREFIX = "/v1/";

  /**
   * Where a long route says how far it got, as it goes: the HTTP server streams each report to a client that asked
   * for a stream (spec/API.md, "Streamed progress"), a command that opened the vault itself prints it.
   */
  @FunctionalInterface
  public interface Progress {
    void report(JsonObject progress);

    Progress NONE = p -> {};
  }

  /** A request, already authenticated, and where its progress goes. */
  public record Request(String method, String path, Map<String, String> query, JsonObject body, Progress progress) {
    public Request {
      body = body == null ? new JsonObject() : body;
      query = query == null ? Map.of() : query;
      progress = progress == null ? Progress.NONE : progress;
    }

    public Request(String method, String path, Map<String, String> query, JsonObject body) {
      this(method, path, query, body, Progress.NONE);
    }
  }

  /** A matched request: the request and the values of the pattern's {@code {…}} segments, in order. */
  public record Call(Request request, List<String> params) {
    public JsonObject body() {
      return request.body();
    }

    public String param(int i) {
      return params.get(i);
    }

    public String query(String name) {
      return request.query().get(name);
    }

    public Progress progress() {
      return request.progress();
    }
  }

  /** One route's work. */
  @FunctionalInterface
  public interface Handler {
    JsonElement handle(Call call) throws KithException;
  }

  /** {@code pattern} is a path such as {@code /v1/notes/{id}}; a {@code {…}} segment matches any one segment. */
  public record Route(String method, String pattern, Handler handler) {
    String[] segments() {
      return pattern.substring(1).split("/", -1);
    }
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

  private final List<Route> routes;
  private final java.time.Clock clock;
  private final org.kith.node.events.EventBus events;

  public Router(KithNode node) {
    this.clock = node.clock();
    this.events = node.events();
    List<Route> r = new ArrayList<>();
    r.addAll(NodeRoutes.routes(node));
    r.addAll(NoteRoutes.routes(node));
    r.addAll(PeerRoutes.routes(node));
    r.addAll(ShareRoutes.routes(node));
    r.addAll(ProfileRoutes.routes(node));
    r.addAll(InboxRoutes.routes(node));
    r.addAll(RoomRoutes.routes(node));
    this.routes = List.copyOf(r);
  }

  /** The node's clock: login links and sessions expire by it. */
  public java.time.Clock clock() {
    return clock;
  }

  /** The node's events, which the HTTP server streams at {@code /v1/events}. */
  public org.kith.node.events.EventBus events() {
    return events;
  }

  /** The table, for documentation and tests. */
  public List<Route> routes() {
    return routes;
  }

  public JsonElement handle(Request r) throws KithException {
    if (!r.path().startsWith(PREFIX)) {
      throw new NotFound("no such API path: " + r.path() + " (this node speaks /v1/)");
    }
    String[] parts = r.path().substring(1).split("/", -1);
    String method = r.method().toUpperCase(Locale.ROOT);
    // Of the routes whose pattern fits the path, those with the most literal segments win, so
    // /v1/notes/import is never taken for a note id.
    int bestLiterals = -1;
    List<Route> fits = new ArrayList<>();
    for (Route route : routes) {
      int literals = match(route.segments(), parts, null);
      if (literals < 0 || literals < bestLiterals) {
        continue;
      }
      if (literals > bestLiterals) {
        fits.clear();
        bestLiterals = literals;
      }
      fits.add(route);
    }
    if (fits.isEmpty()) {
      throw new NotFound("no such API path: " + r.path());
    }
    for (Route route : fits) {
      if (route.method().equals(method)) {
        List<String> params = new ArrayList<>();
        match(route.segments(), parts, params);
        return route.handler().handle(new Call(r, List.copyOf(params)));
      }
    }
    throw new NotAllowed("use " + String.join(" or ", fits.stream().map(Route::method).toList()) + " on " + r.path()
        + ", not " + method);
  }

  /** The number of literal segments when {@code pattern} fits {@code path}, else -1; collects the parameters. */
  private static int match(String[] pattern, String[] path, List<String> params) {
    if (pattern.length != path.length) {
      return -1;
    }
    int literals = 0;
    for (int i = 0; i < pattern.length; i++) {
      if (pattern[i].startsWith("{") && pattern[i].endsWith("}")) {
        if (path[i].isEmpty()) {
          return -1;
        }
        if (params != null) {
          params.add(path[i]);
        }
      } else if (pattern[i].equals(path[i])) {
        literals++;
      } else {
        return -1;
      }
    }
    return literals;
  }
}
