package dev.configservice;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The lists of classes a start loads on its second thread. A list that no longer matches the dependencies (after an
 * upgrade) still works but buys nothing; this test says so, and gatling/bench/preload-list.sh rewrites it.
 */
class ClassPreloadTest {

  @Test
  void theEmbeddedStoresListNamesTheClassesOfAStartAndNearlyAllOfThemExist() {
    assertCurrent(ClassPreload.LIST, "org.h2.mvstore.MVStore");
  }

  @Test
  void theDynamoDbListAddsTheAwsSdksClassesAndNearlyAllOfThemExist() {
    List<String> names = assertCurrent(ClassPreload.LIST_DYNAMODB,
        "software.amazon.awssdk.services.dynamodb.DefaultDynamoDbAsyncClient",
        "dev.configservice.store.dynamodb.DynamoDbConfigStore");
    assertThat(names.stream().filter(n -> n.startsWith("software.amazon.awssdk.")).count())
        .as("AWS SDK classes in %s", ClassPreload.LIST_DYNAMODB).isGreaterThan(500);
  }

  private static List<String> assertCurrent(String list, String... storeClasses) {
    List<String> names = ClassPreload.names(list);
    assertThat(names).as("classes in %s", list).hasSizeGreaterThan(1_000)
        .contains("dev.configservice.ConfigServiceApp", "io.vertx.core.impl.VertxImpl",
            "io.netty.channel.nio.NioIoHandler")
        .contains(storeClasses)
        .doesNotHaveDuplicates()
        .allSatisfy(n -> assertThat(n).matches("[A-Za-z_][A-Za-z0-9_$]*(\\.[A-Za-z_][A-Za-z0-9_$]*)+"));
    // The JDK's own classes on the list vary with the JDK version, not with the service's dependencies: only the
    // others tell whether the list is stale.
    List<String> ours = names.stream().filter(n -> !n.matches("(java|javax|jdk|sun|com\\.sun)\\..*")).toList();
    assertThat(ours).hasSizeGreaterThan(1_000);
    List<String> missing = new ArrayList<>();
    for (String name : ours) {
      try {
        Class.forName(name, false, ClassPreloadTest.class.getClassLoader());
      } catch (ClassNotFoundException | LinkageError e) {
        missing.add(name);
      }
    }
    assertThat(missing.size()).as("classes listed in %s but not on the class path (regenerate the lists with "
        + "gatling/bench/preload-list.sh): %s", list, missing).isLessThan(ours.size() / 20);
    return names;
  }

  @Test
  void itLoadsOnADaemonThreadAndCanBeTurnedOff() throws Exception {
    String before = System.getProperty("config.preload");
    try {
      System.setProperty("config.preload", "false");
      assertThat(ClassPreload.start()).isNull();
      System.clearProperty("config.preload");
      Thread thread = ClassPreload.start();
      assertThat(thread).isNotNull();
      assertThat(thread.isDaemon()).isTrue();
      ClassPreload.storeIs(true); // switched while it runs: it goes on with the DynamoDB list, and finishes
      thread.join(60_000);
      assertThat(thread.isAlive()).as("still loading after 60 s").isFalse();
    } finally {
      ClassPreload.storeIs(false);
      if (before == null) {
        System.clearProperty("config.preload");
      } else {
        System.setProperty("config.preload", before);
      }
    }
  }
}
