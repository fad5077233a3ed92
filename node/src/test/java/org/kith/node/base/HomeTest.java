package org.kith.node.base;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Where the home folder is: --home, else $KITH_HOME, else $HOME/.kith, else user.home/.kith. */
class HomeTest {
  /** Not the JVM's user.home, so a test that passes cannot be reading that by accident. */
  static final Path SHELL_HOME = Path.of("/tmp/kith-home-test/alice").toAbsolutePath();

  static Map<String, String> env(String... kv) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  static Path userHomeKith() {
    return Path.of(System.getProperty("user.home"), ".kith").toAbsolutePath().normalize();
  }

  @Test
  void resolve_honoursHomeFromTheEnvironment() {
    assertEquals(SHELL_HOME.resolve(".kith"), Home.resolve(null, env("HOME", SHELL_HOME.toString())).dir());
  }

  @Test
  void resolve_relativeHome_isMadeAbsolute() {
    assertEquals(Path.of("somewhere", ".kith").toAbsolutePath().normalize(),
        Home.resolve(null, env("HOME", "somewhere")).dir());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "\t"})
  void resolve_blankHome_fallsBackToUserHome(String blank) {
    assertEquals(userHomeKith(), Home.resolve(null, env("HOME", blank)).dir());
  }

  @Test
  void resolve_noHome_fallsBackToUserHome() {
    assertEquals(userHomeKith(), Home.resolve(null, Map.of()).dir());
  }

  @Test
  void resolve_kithHome_winsOverHome() {
    Path kithHome = Path.of("/tmp/kith-home-test/vaults/mine").toAbsolutePath();
    assertEquals(kithHome, Home.resolve(null, env("KITH_HOME", kithHome.toString(), "HOME", SHELL_HOME.toString()))
        .dir());
  }

  @Test
  void resolve_blankKithHome_fallsThroughToHome() {
    assertEquals(SHELL_HOME.resolve(".kith"), Home.resolve(null, env("KITH_HOME", " ", "HOME", SHELL_HOME.toString()))
        .dir());
  }

  @Test
  void resolve_explicit_winsOverEverything() {
    Path explicit = Path.of("/tmp/kith-home-test/explicit").toAbsolutePath();
    assertEquals(explicit, Home.resolve(explicit, env("KITH_HOME", "/elsewhere", "HOME", SHELL_HOME.toString()))
        .dir());
  }
}
