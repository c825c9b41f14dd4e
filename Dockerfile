# Portico's image: the controller and the proxy (`portico controller`, `portico proxy`). Untested: no container engine
# exists on the development machines; build with `docker build -t portico:0.1.0 .`.
FROM node:24-bookworm-slim
# openssl: the controller creates its config server's certificate with it once (see docs/kubernetes.md).
RUN apt-get update && apt-get install -y --no-install-recommends openssl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY bin ./bin
COPY src ./src
# Node's compile cache, built into the image: proxy pods run with a read-only root file system and could not write
# it, and without it every start strips the TypeScript again and keeps ~15 MiB more resident (bench/memory/). Node
# keeps a cache per flag set; compile-cache.js builds each command's under the flags bin/portico.js gives it.
ENV NODE_COMPILE_CACHE=/app/.compile-cache
RUN node bin/compile-cache.js
# The uid the chart and the proxy Deployments run as.
USER 65532:65532
ENTRYPOINT ["node", "/app/bin/portico.js"]
