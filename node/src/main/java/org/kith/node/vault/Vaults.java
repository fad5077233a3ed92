package org.kith.node.vault;

import org.kith.node.base.KithException;
import java.nio.file.Path;
import org.kith.storage.KdfProfile;
import org.kith.storage.Vault;
import org.kith.storage.VaultException;
import org.kith.storage.VaultLockedException;
import org.kith.storage.WrongPassphraseException;

/** Opens vaults for the node and turns vault failures into messages and exit codes for the user. */
public final class Vaults {
  private Vaults() {}

  /** Creates a vault; {@code kdf} is {@link KdfProfile#PRODUCTION} for every real one. */
  public static Vault create(Path dir, char[] passphrase, KdfProfile kdf) throws KithException {
    try {
      return Vault.create(dir, passphrase, kdf);
    } catch (VaultException e) {
      throw translate(e);
    }
  }

  public static Vault open(Path dir, char[] passphrase) throws KithException {
    if (!Vault.exists(dir)) {
      throw new KithException(KithException.BAD_INPUT,
          "no Kith vault at " + dir + ": run `kith init` first, or pass --home to use another folder");
    }
    try {
      return Vault.open(dir, passphrase);
    } catch (VaultException e) {
      throw translate(e);
    }
  }

  public static KithException translate(VaultException e) {
    int code = e instanceof WrongPassphraseException || e instanceof VaultLockedException
        ? KithException.LOCKED
        : KithException.BAD_INPUT;
    return new KithException(code, e.getMessage(), e);
  }
}
