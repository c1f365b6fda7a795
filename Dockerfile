# syntax=docker/dockerfile:1
#
# One image for the API and the worker (and, once built, the console's static files):
#   docker build -t mutual-aid-engine .
#   API:     docker run … mutual-aid-engine                                 (the default CMD)
#   worker:  docker run … mutual-aid-engine node dist/apps/worker/src/main.js
#   schema:  docker run … mutual-aid-engine node dist/scripts/migrate.js    (once per release, before the others)
# docker-compose.yml wires all three (`docker compose --profile app up`); docs/deployment.md is the production guide.
# What the runtime stage relies on (dist/ plus `npm ci --omit=dev`, NODE_ENV=production) is proven by
# test/platform/production-install.spec.ts, which `npm test` runs.

# Keep in step with .nvmrc (test/platform/image-contract.spec.ts checks it).
ARG NODE_VERSION=24.21.0

FROM node:${NODE_VERSION}-slim AS base
WORKDIR /app

# Build: every dependency (TypeScript and the rest of the dev tools), then the type-checked build into dist/.
FROM base AS build
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY . .
# The console's static files: present when apps/console/dist was built before the image (the build context carries
# it; .dockerignore leaves it in); otherwise the directory stays empty, so the runtime stage's COPY never fails.
RUN npx tsc -p tsconfig.build.json && mkdir -p apps/console/dist

# Production dependencies only; argon2 and msgpackr ship prebuilt binaries, so no compiler is needed.
FROM base AS prod-deps
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund

FROM base AS runtime
ENV NODE_ENV=production \
    PORT=3000
# package.json is read at run time: "type": "module" and the #libs/* import map into dist/.
COPY package.json package-lock.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/apps/console/dist ./apps/console/dist
# The files belong to root and are read-only to the process; it writes only to /tmp (statement uploads are spooled
# there), so the root file system can be mounted read-only with a tmpfs on /tmp.
USER node
EXPOSE 3000
# The API's /health (database and Redis). The worker serves no HTTP: run it with the health check disabled
# (docker-compose.yml does); its liveness is the heartbeat the API reports in /health and /metrics.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is the process that receives SIGTERM; it finishes in-flight requests (or jobs) and exits 0.
CMD ["node", "dist/apps/api/src/main.js"]
