package org.kith.protocol.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kith.protocol.FuzzSupport;

/**
 * Fuzz target for {@link PublicId#parse} (spec/PROTOCOL.md section 2.2): any text gives an id whose canonical
 * text and hex parse back to it, or {@link InvalidIdException}.
 */
class PublicIdFuzzTest {

  @FuzzTest
  void parse_anyText(byte[] data) {
    PublicId id;
    try {
      id = PublicId.parse(new String(data, StandardCharsets.UTF_8));
    } catch (InvalidIdException expected) {
      return;
    }
    assertEquals(PublicId.KEY_BYTES, id.key().length);
    try {
      assertEquals(id, PublicId.parse(id.text()));
      assertEquals(id, PublicId.parse(id.hex()));
    } catch (InvalidIdException e) {
      throw new AssertionError("an id's own text does not parse", e);
    }
  }

  @Test
  void seeds_areCommitted() throws Exception {
    byte[] key = new byte[32];
    for (int i = 0; i < key.length; i++) {
      key[i] = (byte) (i * 7 + 1);
    }
    PublicId id = PublicId.ofKey(key);
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    seeds.put("valid-text", ascii(id.text()));
    seeds.put("valid-hex", ascii(id.hex()));
    seeds.put("valid-upper-case-dashes", ascii(" " + id.text().toUpperCase().replaceAll("(.{14})", "$1-") + " "));
    seeds.put("edge-one-short", ascii(id.text().substring(0, id.text().length() - 1)));
    seeds.put("edge-one-long", ascii(id.text() + "a"));
    char last = id.text().charAt(id.text().length() - 1);
    seeds.put("edge-check-wrong", ascii(id.text().substring(0, id.text().length() - 1) + (last == 'a' ? 'b' : 'a')));
    seeds.put("edge-prefix-only", ascii(PublicId.PREFIX));
    seeds.put("edge-hex-63", ascii(id.hex().substring(1)));
    char[] fullwidth = new char[64];
    Arrays.fill(fullwidth, '\uff10');
    seeds.put("edge-fullwidth-digits", new String(fullwidth).getBytes(StandardCharsets.UTF_8));
    seeds.put("edge-1byte", new byte[] {'k'});
    FuzzSupport.checkSeeds(getClass(), "parse_anyText", seeds);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
