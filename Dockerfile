# One image for every Pilotfish binary: the chart runs `node cmd/<binary>/main.ts`.
# Node 24 runs the TypeScript directly (type stripping): there is no build step.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Runtime dependencies only; the `node` devDependency is not needed on a Node 24 base.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY cmd ./cmd
COPY pkg ./pkg
USER node
# No default binary: the chart (or `docker run … node cmd/cache-sidecar/main.ts`) names it.
CMD ["node", "cmd/cache-sidecar/main.ts"]
