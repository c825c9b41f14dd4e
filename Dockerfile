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
# it, and without it every start strips the TypeScript again and keeps ~25 MiB more resident (bench/memory/).
ENV NODE_COMPILE_CACHE=/app/.compile-cache
RUN node --input-type=module -e "import m from 'node:module'; m.enableCompileCache(); for (const f of ['run', 'controller', 'proxy', 'validate']) await import('/app/src/cli/' + f + '.ts'); m.flushCompileCache();"
# The uid the chart and the proxy Deployments run as.
USER 65532:65532
ENTRYPOINT ["node", "/app/bin/portico.js"]
