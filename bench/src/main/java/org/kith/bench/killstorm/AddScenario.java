package org.kith.bench.killstorm;

import com.google.gson.JsonObject;
import java.util.List;

/** {@code kith note add TEXT}: acknowledged once it printed the new note's id. */
final class AddScenario extends OneShotScenario {
  AddScenario(Storm storm, int quota, long seed) {
    super("add", storm, quota, seed);
  }

  @Override
  String[] command(List<String> markers) {
    String marker = storm.marker("a");
    markers.add(marker);
    return new String[] {"note", "add", marker + " was written by the kill storm with kith note add"};
  }

  @Override
  int acknowledge(String stdout, List<String> markers) {
    JsonObject o = printedObject(stdout);
    if (o == null || !o.has("id")) {
      return 0;
    }
    ledger.add(markers.get(0), o.get("id").getAsString());
    return 1;
  }
}
