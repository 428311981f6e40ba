# syntax=docker/dockerfile:1
# Build stage: compiles TypeScript, bundles the dashboard (dist/web) and builds better-sqlite3's native module.
# Node 22 is the current LTS; the test suite runs on Node 20.19+ (package.json engines).
FROM node:22-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
COPY scripts/build-web.mjs scripts/gen-api-types.mjs scripts/openapi-document.ts ./scripts/
RUN npm run build && npm prune --omit=dev

# Runtime stage: only the compiled service and its production dependencies, as a non-root user.
FROM node:22-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY scripts/build-if-stale.mjs ./scripts/
# `telltale <command>` on the PATH: the compiled CLI, no dev dependencies needed.
RUN ln -s /app/dist/cli.js /usr/local/bin/telltale && chmod +x /app/dist/cli.js
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "require('http').get('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz',r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
