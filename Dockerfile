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
# The app indexes docs/ by default (KNOWLEDGE_DIR), so a fresh install answers questions about Pilotfish.
COPY docs ./docs
USER node
# The app by default; the chart names each binary (`node cmd/<binary>/main.ts`).
EXPOSE 8080
CMD ["node", "cmd/app/main.ts"]
