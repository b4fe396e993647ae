# The one Transmog image: `transmog operator` (Deployment) and `transmog run <ns>/<name>` (runner Jobs), plus
# the CLI (`transmog migrate ...`). Build from the repository root:
#   docker build -t ghcr.io/transmog/transmog:dev .
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY engine/pom.xml engine/
COPY operator/pom.xml operator/
COPY engine/src engine/src
COPY operator/src operator/src
COPY crds crds
RUN --mount=type=cache,target=/root/.m2 mvn -B -q -DskipTests package \
 && mkdir -p /out \
 && cp -r operator/target/quarkus-app /out/operator \
 && cp engine/target/transmog-engine-*-cli.jar /out/transmog-cli.jar

FROM eclipse-temurin:17-jre
LABEL org.opencontainers.image.title="transmog" \
      org.opencontainers.image.description="Online MySQL/MariaDB schema changes as Kubernetes resources"
COPY --from=build /out/ /opt/transmog/
COPY --from=build /src/operator/src/main/docker/transmog /usr/local/bin/transmog
# Each command's JVM options (the entry point reads them unless JAVA_OPTS is set).
COPY scripts/lib/runner-jvm-options scripts/lib/cli-jvm-options /opt/transmog/jvm/
RUN chmod 0755 /usr/local/bin/transmog && chmod -R a+rX /opt/transmog
# Numeric non-root user: works with runAsNonRoot and a read-only root filesystem (only /tmp is written).
ENV HOME=/tmp
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/transmog"]
CMD ["operator"]
