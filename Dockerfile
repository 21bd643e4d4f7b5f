# One image for every Pilotfish binary: the chart and the injector run
# `node [flags] dist/<binary>.js`, the same command line as `npm run start:<binary>`
# (package.json), so a pod holds what the benchmarks measure (docs/development.md).
#
# Why bundled JavaScript rather than the .ts sources: Node's type-stripping
# loader alone holds about 17 MB per process, and each binary's hundreds of
# modules cost more one by one than in one file. The bundles are built here by
# scripts/build.ts (esbuild); development and tests keep running the .ts.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Runtime dependencies only; the `node` devDependency is not needed on a Node 24 base.
# The bundles carry their dependencies; node_modules is still needed for what they
# leave out: the OpenTelemetry SDK, imported only when OTEL_EXPORTER_OTLP_ENDPOINT is set.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Every dependency, for esbuild (a devDependency); --ignore-scripts skips the `node` package's download.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts ./scripts
COPY cmd ./cmd
COPY pkg ./pkg
RUN node scripts/build.ts

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist ./dist
# The sources stay: files a module reads beside itself (the admin page's assets)
# are found under pkg/ by the bundles, and `npm run dev:*` works in the image.
COPY cmd ./cmd
COPY pkg ./pkg
# The app indexes docs/ by default (KNOWLEDGE_DIR), so a fresh install answers questions about Pilotfish.
COPY docs ./docs
USER node
# The app by default; the chart names each binary (`node dist/<binary>.js`, the
# sidecars with the Node flags of their start:* scripts: heap bounds, and for the
# cache sidecar one GC helper thread).
EXPOSE 8080
CMD ["node", "dist/app.js"]
