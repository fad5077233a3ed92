package org.kith.bench.killstorm;

import java.util.ArrayList;
import java.util.List;
import org.kith.bench.Report;

/** What one scenario did. Written by the scenario's own thread only, read after it has been joined. */
final class Tally {
  /** SIGKILLs sent (every kill was sent after the vault was open). */
  long killsTotal;
  /** Kills that ended the process: it still ran, with the vault open, when the signal came. */
  long killsAfterOpen;
  /** Kills that came after the command had ended by itself: counted apart, they are not storms. */
  long killsAfterEnd;
  /** Kills with work under way at that moment (an API write in flight; records the reader did not hold yet). */
  long killsMidWork;
  /** Runs not killed: they measure how long a command runs after the vault is open. */
  long runsUnkilled;
  long acknowledgedWrites;
  long acknowledgedWritesLost;
  long vaultsUnopenable;
  /** Commands that failed by themselves (an exit status other than 0 or the kill's), nodes that did not start. */
  long failures;
  /** One-shot commands: spawn to vault open. Nodes: spawn to running (node.json written). */
  final List<Double> openMs = new ArrayList<>();
  String openName = "vault_open_median";
  /** One-shot commands: vault open to the command's end, unkilled. Sync: the author's batch until all held. */
  final List<Double> afterOpenMs = new ArrayList<>();
  String afterOpenName = "after_open_median";

  void print(Report report, String scenario, String midWorkName) {
    String p = "killstorm_" + scenario + "_";
    report.count(p + "kills_total", killsTotal, "kills");
    report.count(p + "kills_after_vault_open", killsAfterOpen, "kills");
    report.count(p + "kills_after_end", killsAfterEnd, "kills");
    if (midWorkName != null) {
      report.count(p + midWorkName, killsMidWork, "kills");
    }
    report.count(p + "runs_unkilled", runsUnkilled, "runs");
    report.count(p + "acknowledged_writes", acknowledgedWrites, scenario.equals("sync") ? "records" : "writes");
    report.count(p + "acknowledged_writes_lost", acknowledgedWritesLost, scenario.equals("sync") ? "records" : "writes");
    report.count(p + "vaults_unopenable", vaultsUnopenable, "vaults");
    report.count(p + "failures", failures, "runs");
    if (!openMs.isEmpty()) {
      report.count(p + openName, Math.round(median(openMs)), "ms");
    }
    if (!afterOpenMs.isEmpty()) {
      report.count(p + afterOpenName, Math.round(median(afterOpenMs)), "ms");
    }
  }

  static double median(List<Double> xs) {
    return Report.median(xs.stream().mapToDouble(Double::doubleValue).toArray());
  }
}
