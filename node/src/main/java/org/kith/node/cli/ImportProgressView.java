package org.kith.node.cli;

import com.google.gson.JsonObject;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.kith.node.api.Router;

/**
 * An import's progress, the same whether the running node streams it or this command imports itself: a bar on a
 * terminal; otherwise a line on stderr every {@value #LINE_EVERY_PERCENT}% (a log or a pipe gets a few lines, not a
 * redrawn bar); nothing with {@code --json}, whose stdout holds only the final JSON. Counts only, never file names.
 */
final class ImportProgressView implements Router.Progress, AutoCloseable {
  static final int LINE_EVERY_PERCENT = 10;

  private final Kith.Context c;
  private ProgressBar bar;
  private int lastLine = -1;

  ImportProgressView(Kith.Context c) {
    this.c = c;
  }

  @Override
  public void report(JsonObject p) {
    if (c.json) {
      return;
    }
    int done = p.get("done").getAsInt();
    int total = p.get("total").getAsInt();
    if (c.interactive) {
      if (bar == null) {
        bar = new ProgressBarBuilder().setTaskName("Importing").setInitialMax(total)
            .setConsumer(new ConsoleProgressBarConsumer(c.err)).setUnit(" files", 1).build();
      }
      bar.stepTo(done);
      return;
    }
    int percent = total == 0 ? 100 : (int) ((long) done * 100 / total);
    int line = percent / LINE_EVERY_PERCENT;
    if (line != lastLine) {
      lastLine = line;
      c.terminal().note(String.format(Locale.ROOT, "Importing: %d of %d file%s (%d%%)", done, total,
          total == 1 ? "" : "s", percent));
    }
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
    }
  }
}
