# Multi-stage build: compile in the Rust image, run in a slim Debian with only libpq.
FROM rust:1-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY migrations ./migrations
COPY seed ./seed
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/newsroom --create-home newsroom
COPY --from=build /src/target/release/newsroom /usr/local/bin/newsroom
USER newsroom
WORKDIR /var/lib/newsroom
ENV NEWSROOM_BIND=0.0.0.0:8080 \
    NEWSROOM_LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["newsroom"]
CMD ["serve"]
