package org.kith.node.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shape of the code base, checked (issue 9, DESIGN.md "Modules"): dependencies point one way, the
 * transport knows no feature, only the composition root wires services, and there is one of each basic tool.
 */
class ArchitectureTest {
  static JavaClasses all;

  /** The node's feature packages: none of them may be seen by {@code net}. */
  static final String[] FEATURES = {"..node.api..", "..node.app..", "..node.cli..", "..node.identity..",
      "..node.model..", "..node.notes..", "..node.pairing..", "..node.peers..", "..node.profile..",
      "..node.query..", "..node.reach..", "..node.records..", "..node.search..", "..node.sync..", "..node.vault..",
      "..node.events..", "..node.inbox.."};

  @BeforeAll
  static void load() {
    all = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("org.kith");
  }

  private static void check(ArchRule rule) {
    rule.check(all);
  }

  @Test
  void noPackageCyclesInTheNode() {
    check(slices().matching("org.kith.node.(*)..").should().beFreeOfCycles());
  }

  @Test
  void protocolAndStorageSeeNeitherTheNodeNorEachOther() {
    check(noClasses().that().resideInAPackage("org.kith.protocol..")
        .should().dependOnClassesThat().resideInAnyPackage("org.kith.node..", "org.kith.storage.."));
    check(noClasses().that().resideInAPackage("org.kith.storage..")
        .should().dependOnClassesThat().resideInAnyPackage("org.kith.node..", "org.kith.protocol..", "io.netty.."));
    check(noClasses().that().resideInAPackage("org.kith.protocol..")
        .should().dependOnClassesThat().resideInAnyPackage("io.netty..", "org.rocksdb.."));
  }

  @Test
  void theTransportKnowsNoFeature() {
    check(noClasses().that().resideInAPackage("org.kith.node.net..")
        .should().dependOnClassesThat().resideInAnyPackage(FEATURES));
  }

  @Test
  void onlyTheCompositionRootWiresServices() {
    check(noClasses().that().resideOutsideOfPackage("org.kith.node.app..")
        .should().callConstructorWhere(DescribedPredicate.describe("a service's constructor", target -> {
          String owner = target.getTarget().getOwner().getName();
          if (target.getOriginOwner().getName().equals(owner)) {
            return false; // a constructor delegating to another
          }
          return owner.equals("org.kith.node.net.Transport")
              || owner.equals("org.kith.node.net.Dispatcher")
              || owner.equals("org.kith.node.notes.NoteStore")
              || owner.equals("org.kith.node.records.RecordStore")
              || owner.equals("org.kith.node.records.Sharing")
              || owner.equals("org.kith.node.search.NoteSearch")
              || owner.equals("org.kith.node.search.RecordRanker")
              || owner.equals("org.kith.node.peers.PeerBook")
              || owner.equals("org.kith.node.peers.InviteBook")
              || owner.equals("org.kith.node.peers.PeerService")
              || owner.equals("org.kith.node.pairing.Pairing")
              || owner.equals("org.kith.node.sync.SyncService")
              || owner.equals("org.kith.node.query.QueryService")
              || owner.equals("org.kith.node.profile.Profiles")
              || owner.equals("org.kith.node.model.Model")
              || owner.equals("org.kith.node.events.EventBus")
              || owner.equals("org.kith.node.inbox.Inbox")
              || owner.equals("org.kith.node.reach.AddressExchange");
        })).as("only org.kith.node.app constructs the node's services"));
  }

  @Test
  void oneOfEachTool() {
    // One libsodium loader.
    check(noClasses().that().doNotHaveFullyQualifiedName("org.kith.sodium.Sodium")
        .should().callConstructorWhere(DescribedPredicate.describe("a libsodium binding's constructor",
            c -> c.getTarget().getOwner().getName().startsWith("com.goterl.lazysodium.Sodium")
                || c.getTarget().getOwner().getName().equals("com.goterl.lazysodium.LazySodiumJava"))));
    // One rate limiter, one host:port type, one hex (the JDK's), one key-pair type.
    check(classes().that().haveSimpleNameEndingWith("Bucket").or().haveSimpleNameEndingWith("Limiter")
        .should().haveFullyQualifiedName("org.kith.node.net.RateLimiter"));
    check(noClasses().should().haveSimpleName("Hex"));
    check(classes().that().haveSimpleName("KeyPair").should()
        .haveFullyQualifiedName("org.kith.protocol.identity.KeyPair"));
    check(noClasses().that().doNotHaveFullyQualifiedName("org.kith.node.peers.HostPort")
        .and().resideInAPackage("org.kith.node..")
        .should().callConstructor(java.net.InetSocketAddress.class, String.class, int.class));
  }
}
