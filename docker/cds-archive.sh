#!/bin/bash
# Image build step: dumps a class-data sharing archive (AppCDS) of the classes a start of the service loads, which
# the image's JVM then maps instead of loading, parsing and verifying those classes one by one: a new container is
# ready in about half the time (docs/performance.md, round 15).
#
#   cds-archive.sh JAR ARCHIVE LIST...
#
# The classes: the LISTs, the class lists of real starts on the embedded store and on DynamoDB that
# gatling/bench/preload-list.sh records (src/main/resources/META-INF/config-service/, the same lists ClassPreload
# loads from; the JDK's classes included), and the JDK's own default list when it ships one
# ($JAVA_HOME/lib/classlist, what its stock archive holds, lambda forms included). Nothing is started here,
# so the build needs no store and no network. The archive holds the classes as read from JAR at this path; the JVM
# checks that the jar is unchanged and ignores an archive that does not match (it then starts as usual). A class a
# list names but the jar lacks is skipped with a warning, so a stale list costs start-up time, never behaviour.
set -euo pipefail
jar="$1" archive="$2"
shift 2
java_home=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.home = //p')
list="$(mktemp)"
trap 'rm -f "$list"' EXIT
{
  if [ -f "$java_home/lib/classlist" ]; then grep -v '^#' "$java_home/lib/classlist"; fi
  # Ours: dotted names, one a line; the dump wants internal names (a/b/C).
  cat "$@" | grep -v '^#' | grep . | tr '.' '/'
} | awk '!seen[$0]++' >"$list"
# -Xlog:cds=error: the dump warns about each class it cannot archive (optional dependencies the jar leaves out).
java -Xshare:dump -XX:SharedClassListFile="$list" -XX:SharedArchiveFile="$archive" -Xlog:cds=error \
  -Dfile.encoding=UTF-8 -cp "$jar" >/dev/null
[ -s "$archive" ] || { echo "cds-archive: no archive was written" >&2; exit 1; }
echo "cds-archive: $(grep -c . "$list") classes listed, $archive $(du -h "$archive" | cut -f1)"
