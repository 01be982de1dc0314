# Build stage: compile the release binary.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY migrations ./migrations
COPY benches ./benches
COPY app.yml ./
COPY tests/fixtures ./tests/fixtures
RUN cargo build --release --locked --bin postmortem-bot

# Run stage: the binary, CA certificates and git (wiki pages are read over git).
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates git \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /data postmortem \
 && mkdir -p /data && chown postmortem /data
COPY --from=build /src/target/release/postmortem-bot /usr/local/bin/postmortem-bot
USER postmortem
WORKDIR /data
ENV BIND=0.0.0.0:8080 DATABASE_URL=sqlite:///data/postmortem-bot.db
EXPOSE 8080
CMD ["postmortem-bot", "serve"]
