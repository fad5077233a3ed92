package org.kith.bench.killstorm;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A {@code kith start --listen 127.0.0.1:0 --api-port 0} process and its local API (spec/API.md): found through the
 * {@code node.json} it writes once it runs, whose pid must be this process's, so a stale file left by a killed
 * node is never mistaken for it.
 */
final class RunningNode {
  /** How long a node may take to start on a busy machine before the storm calls it a failure. */
  static final Duration MAX_START = Duration.ofMinutes(3);
  static final Duration MAX_REQUEST = Duration.ofSeconds(60);
  private static final long POLL_MILLIS = 20;

  /** A node that ended before it was running, with what it printed. */
  static final class DidNotStart extends Exception {
    private static final long serialVersionUID = 1L;
    final int exit;

    DidNotStart(int exit, String message) {
      super(message);
      this.exit = exit;
    }
  }

  /** A non-2xx answer. */
  static final class ApiError extends IOException {
    private static final long serialVersionUID = 1L;
    final int status;

    ApiError(int status, String body) {
      super("HTTP " + status + ": " + Launcher.tail(body));
      this.status = status;
    }
  }

  final Launcher.Spawned spawned;
  final int apiPort;
  private final String token;
  private final HttpClient http;
  /** When node.json appeared (System.nanoTime). */
  final long runningNanos;

  private RunningNode(Launcher.Spawned spawned, int apiPort, String token, long runningNanos) {
    this.spawned = spawned;
    this.apiPort = apiPort;
    this.token = token;
    this.runningNanos = runningNanos;
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  static RunningNode start(Launcher launcher, Path home) throws IOException, InterruptedException, DidNotStart {
    Launcher.Spawned s = launcher.spawn(home, "start", "--listen", "127.0.0.1:0", "--api-port", "0");
    long deadline = System.nanoTime() + MAX_START.toNanos();
    Path runFile = home.resolve("node.json");
    Path tokenFile = home.resolve("api.token");
    while (System.nanoTime() < deadline) {
      if (!s.process.isAlive()) {
        int exit = s.process.waitFor();
        throw new DidNotStart(exit, "kith start ended with exit " + exit + " before it ran: " + Launcher.tail(s.err()));
      }
      try {
        JsonObject o = JsonParser.parseString(Files.readString(runFile)).getAsJsonObject();
        if (o.get("pid").getAsLong() == s.pid()) {
          String token = Files.readString(tokenFile, StandardCharsets.US_ASCII).strip();
          return new RunningNode(s, o.get("apiPort").getAsInt(), token, System.nanoTime());
        }
      } catch (IOException | RuntimeException e) {
        // Not there yet, or a stale one from a killed node: keep looking.
      }
      Thread.sleep(POLL_MILLIS);
    }
    s.process.destroyForcibly().waitFor();
    throw new DidNotStart(-1, "kith start was not running after " + MAX_START + ": " + Launcher.tail(s.err()));
  }

  boolean alive() {
    return spawned.process.isAlive();
  }

  JsonElement call(String method, String path, JsonObject body) throws IOException, InterruptedException {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort + path))
        .timeout(MAX_REQUEST)
        .header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8))
        .build();
    HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    if (res.statusCode() / 100 != 2) {
      throw new ApiError(res.statusCode(), res.body());
    }
    return JsonParser.parseString(res.body());
  }

  /** Stops the node cleanly (SIGTERM runs its shutdown hook), SIGKILL only if it hangs; returns the exit status. */
  int stop() throws InterruptedException {
    spawned.process.destroy();
    if (!spawned.process.waitFor(60, TimeUnit.SECONDS)) {
      spawned.process.destroyForcibly();
    }
    int exit = spawned.process.waitFor();
    deleteOutput();
    return exit;
  }

  void deleteOutput() {
    try {
      Files.deleteIfExists(spawned.out);
      Files.deleteIfExists(spawned.err);
    } catch (IOException e) {
      // The scratch folder goes at the end anyway.
    }
  }
}
