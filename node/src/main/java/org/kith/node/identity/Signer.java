package org.kith.node.identity;

import org.kith.protocol.identity.PublicId;
import org.kith.protocol.proto.Record;
import org.kith.protocol.proto.SignedRecord;

/** Signs records as this node, without handing its secret key to the caller. */
public interface Signer {
  PublicId id();

  /** Signs {@code record} (whose author must be {@link #id()}) with the domain-separated record signature. */
  SignedRecord sign(Record record);
}
