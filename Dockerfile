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
# The uid the chart and the proxy Deployments run as.
USER 65532:65532
ENTRYPOINT ["node", "/app/bin/portico.js"]
