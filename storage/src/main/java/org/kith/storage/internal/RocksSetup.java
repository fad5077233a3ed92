package org.kith.storage.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.rocksdb.AbstractEventListener;
import org.rocksdb.CompactionJobInfo;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushJobInfo;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.Logger;
import org.rocksdb.RocksDB;
import org.rocksdb.WALRecoveryMode;

/**
 * The RocksDB options of each way a vault's database is opened (spec/VAULT.md section 4.2). One place, so the
 * strict read-only check before an open verifies exactly what the open itself would.
 */
public final class RocksSetup {
  private RocksSetup() {}

  /** How a database is opened. */
  public enum Mode {
    /** The normal open: strict WAL checks, RocksDB's own LOG file. */
    READ_WRITE,
    /**
     * The same checks, read-only, logging to memory: changes no file, so it runs before every open (a failed
     * read-write open has already rotated RocksDB's LOG) and as the full-disk fallback.
     */
    STRICT_READ_ONLY,
    /** Read-only, skipping every damaged log record and unchecked WAL sizes: for salvage, on a copy. */
    SALVAGE,
    /** As SALVAGE, and also recover to the newest state whose files are all present and readable. */
    SALVAGE_BEST_EFFORTS
  }

  public static DBOptions dbOptions(Mode mode, boolean create, Logger memoryLogger) {
    boolean strict = mode == Mode.READ_WRITE || mode == Mode.STRICT_READ_ONLY;
    Properties props = new Properties();
    // Records the final size of every closed, synced WAL in the MANIFEST: a log that lost its tail (or vanished)
    // while newer ones exist is an error at open, where the recovery mode alone would read it as a torn write.
    props.setProperty("track_and_verify_wals_in_manifest", Boolean.toString(strict));
    DBOptions o = DBOptions.getDBOptionsFromProps(props);
    if (o == null) {
      throw new IllegalStateException("this RocksDB does not know track_and_verify_wals_in_manifest");
    }
    o.setCreateIfMissing(create)
        .setParanoidChecks(strict)
        // A torn final record is a write that never returned (it was not fsynced whole); damage anywhere else in
        // a log is an error, never a silent cut (section 4.2).
        .setWalRecoveryMode(
            strict ? WALRecoveryMode.TolerateCorruptedTailRecords : WALRecoveryMode.SkipAnyCorruptedRecords)
        .setInfoLogLevel(InfoLogLevel.WARN_LEVEL);
    if (mode == Mode.READ_WRITE) {
      // Stores added by later versions are created on first open; none is ever removed.
      o.setCreateMissingColumnFamilies(true)
          // RocksDB's LOG never sees values, but keep it small and quiet: warnings and errors only.
          .setKeepLogFileNum(2)
          .setMaxLogFileSize(1 << 20);
    } else {
      o.setLogger(memoryLogger);
    }
    if (mode == Mode.SALVAGE_BEST_EFFORTS) {
      o.setBestEffortsRecovery(true);
    }
    return o;
  }

  /** RocksDB's log lines kept in memory (at most {@link #MAX_LINES}), so a read-only open writes no LOG file. */
  public static final class MemoryLogger extends Logger {
    public static final int MAX_LINES = 16;
    private final List<String> lines = new ArrayList<>();

    public MemoryLogger() {
      super(InfoLogLevel.WARN_LEVEL);
    }

    @Override
    protected void log(InfoLogLevel level, String message) {
      synchronized (lines) {
        if (lines.size() < MAX_LINES) {
          lines.add(message);
        }
      }
    }

    public List<String> lines() {
      synchronized (lines) {
        return List.copyOf(lines);
      }
    }
  }

  /**
   * RocksDB creates its files with the process umask (0644 under the usual 022) and Java cannot change the umask;
   * the database folder is 0700, which already keeps others out, and this sets its new files to 0600 after every
   * flush and compaction, the events that create them.
   */
  public static final class TightenAfterFlush extends AbstractEventListener {
    private final Path dbDir;

    public TightenAfterFlush(Path dbDir) {
      super(EnabledEventCallback.ON_FLUSH_COMPLETED, EnabledEventCallback.ON_COMPACTION_COMPLETED);
      this.dbDir = dbDir;
    }

    @Override
    public void onFlushCompleted(RocksDB db, FlushJobInfo info) {
      tighten();
    }

    @Override
    public void onCompactionCompleted(RocksDB db, CompactionJobInfo info) {
      tighten();
    }

    private void tighten() {
      try {
        FilePerms.restrictTree(dbDir);
      } catch (IOException | RuntimeException e) {
        // Best effort on a RocksDB thread: the folder's own 0700 still protects the files, and the next open
        // tightens again.
      }
    }
  }
}
