package org.kith.node.api;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.kith.node.base.Home;
import org.kith.node.base.KithException;

/** Talks to the local API of a running node; used by CLI commands while {@code kith start} holds the vault. */
public final class ApiClient {
  private final HttpClient http;
  private final int port;
  private final String token;

  ApiClient(int port, String token) {
    this.port = port;
    this.token = token;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  /** The running node of this home, if one answers. A stale node.json (the node died) yields empty. */
  /** How long a node whose process cannot be looked up may take to answer before it is taken as gone. */
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(30);

  public static Optional<ApiClient> find(Home home) {
    Optional<RunFiles.RunInfo> info = RunFiles.runInfo(home);
    Optional<String> token = RunFiles.token(home);
    if (info.isEmpty() || token.isEmpty()) {
      return Optional.empty();
    }
    ApiClient c = new ApiClient(info.get().apiPort(), token.get());
    // A live process that wrote these files holds the vault: use its API even if a busy machine makes it slow
    // to answer (a short probe here once sent commands to open the locked vault themselves). Files left by a
    // process that died are stale.
    Optional<ProcessHandle> owner = ProcessHandle.of(info.get().pid());
    if (owner.isPresent()) {
      return owner.get().isAlive() ? Optional.of(c) : Optional.empty();
    }
    try {
      c.call("GET", "/v1/status", Map.of(), null, PROBE_TIMEOUT);
      return Optional.of(c);
    } catch (KithException e) {
      return Optional.empty();
    }
  }

  public int port() {
    return port;
  }

  public JsonElement call(String method, String path, Map<String, String> query, JsonObject body, Duration timeout)
      throws KithException {
    return call(method, path, query, body, timeout, null);
  }

  /**
   * As above; with {@code progress}, the node streams the route's progress (spec/API.md, "Streamed progress") and
   * each report is handed to it as it arrives. {@code timeout} bounds the wait for the answer to begin.
   */
  public JsonElement call(String method, String path, Map<String, String> query, JsonObject body, Duration timeout,
      Router.Progress progress) throws KithException {
    String qs = query.isEmpty() ? "" : "?" + query.entrySet().stream()
        .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
            + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path + qs))
        .timeout(timeout)
        .header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json");
    HttpRequest.BodyPublisher pub = body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8);
    b.method(method, pub);
    if (progress != null) {
      b.header("Accept", ApiStreams.NDJSON + ", application/json");
      return streamed(b.build(), progress);
    }
    HttpResponse<String> res;
    try {
      res = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new KithException(KithException.UNREACHABLE, "the running node did not answer: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KithException(KithException.UNREACHABLE, "interrupted");
    }
    return answer(res.statusCode(), res.body());
  }

  /** Reads a streamed answer line by line; an answer that is not streamed (a refusal) is read whole. */
  private JsonElement streamed(HttpRequest req, Router.Progress progress) throws KithException {
    HttpResponse<java.util.stream.Stream<String>> res;
    try {
      res = http.send(req, HttpResponse.BodyHandlers.ofLines());
    } catch (IOException e) {
      throw new KithException(KithException.UNREACHABLE, "the running node did not answer: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KithException(KithException.UNREACHABLE, "interrupted");
    }
    String type = res.headers().firstValue("Content-Type").orElse("");
    try (java.util.stream.Stream<String> lines = res.body()) {
      if (res.statusCode() / 100 != 2 || !type.startsWith(ApiStreams.NDJSON)) {
        return answer(res.statusCode(), String.join("\n", lines.toList()));
      }
      java.util.Iterator<String> it = lines.iterator();
      while (it.hasNext()) {
        String line = it.next();
        if (line.isBlank()) {
          continue;
        }
        JsonObject o;
        try {
          o = JsonParser.parseString(line).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
          throw new KithException(KithException.BAD_INPUT, "the node's API streamed a line that is not JSON");
        }
        if (o.has("progress")) {
          progress.report(o.getAsJsonObject("progress"));
        } else if (o.has("result")) {
          return o.get("result");
        } else {
          return answer(400, line);
        }
      }
    } catch (java.io.UncheckedIOException e) {
      throw new KithException(KithException.UNREACHABLE, "the running node stopped answering: " + e.getMessage());
    }
    throw new KithException(KithException.UNREACHABLE, "the running node ended its answer early (did it stop?)");
  }

  private static JsonElement answer(int status, String body) throws KithException {
    JsonElement out;
    try {
      out = JsonParser.parseString(body);
    } catch (JsonParseException e) {
      throw new KithException(KithException.BAD_INPUT, "the node's API answered " + status + " without JSON");
    }
    if (status / 100 != 2) {
      JsonObject o = out.isJsonObject() ? out.getAsJsonObject() : new JsonObject();
      String msg = o.has("error") ? o.get("error").getAsString() : "HTTP " + status;
      int code = o.has("exitCode") ? o.get("exitCode").getAsInt() : KithException.BAD_INPUT;
      throw new KithException(code, msg);
    }
    return out;
  }
}
