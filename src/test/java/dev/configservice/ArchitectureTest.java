package dev.configservice;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Keeps the architecture visible in the folders true: the domain in the middle, adapters around it. */
class ArchitectureTest {

  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.configservice");
  }

  @Test
  void domainDependsOnNoAdapterNorFramework() {
    classes().that().resideInAPackage("dev.configservice.domain..")
        .should().onlyDependOnClassesThat().resideInAnyPackage("dev.configservice.domain..", "java..")
        .orShould().dependOnClassesThat().belongToAnyOf(io.vertx.core.Future.class)
        .because("the domain may use vertx-core's Future and nothing else from outside the JDK")
        .check(classes);
    noClasses().that().resideInAPackage("dev.configservice.domain..")
        .should().dependOnClassesThat().resideInAnyPackage("io.vertx.ext..", "software.amazon..", "org.h2..",
            "io.micrometer..", "com.github.benmanes..")
        .check(classes);
  }

  @Test
  void adaptersDoNotReachIntoEachOther() {
    noClasses().that().resideInAnyPackage("dev.configservice.store..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.configservice.http..", "dev.configservice.cache..")
        .check(classes);
    noClasses().that().resideInAnyPackage("dev.configservice.http..", "dev.configservice.cache..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.configservice.store.embedded..",
            "dev.configservice.store.dynamodb..", "software.amazon..", "org.h2..")
        .check(classes);
    noClasses().that().resideInAPackage("dev.configservice.store.embedded..")
        .should().dependOnClassesThat().resideInAPackage("dev.configservice.store.dynamodb..").check(classes);
    noClasses().that().resideInAPackage("dev.configservice.store.dynamodb..")
        .should().dependOnClassesThat().resideInAPackage("dev.configservice.store.embedded..").check(classes);
  }

  @Test
  void onlyTheEntryPointReadsTheEnvironment() {
    noClasses().that().doNotHaveFullyQualifiedName(ConfigServiceMain.class.getName())
        .should().callMethod(System.class, "getenv")
        .orShould().callMethod(System.class, "getenv", String.class)
        .check(classes);
  }
}
