// Configuration text for the reference servers: nginx as the upstream and as a reverse proxy, and HAProxy.
// Each runs one worker (nginx as a proxy: `workers` for the whole-machine runs), logs nothing per request and keeps
// connections alive on both sides.
import { routePath } from '../lib/manifests.ts';

/** Paths nginx needs that default to system folders; everything goes under `dir`. */
function nginxHead(dir: string, workers = 1): string {
  return `worker_processes ${workers};
daemon off;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
`;
}

/** The upstream every proxy forwards to: a fixed 200 with a 3-byte body. */
export function nginxUpstreamConf(dir: string, port: number): string {
  return `${nginxHead(dir)}
  server {
    listen 127.0.0.1:${port};
    location / { default_type text/plain; return 200 "ok\\n"; }
  }
}
`;
}

/** nginx as a reverse proxy with `routes` prefix locations, like Portico's generated HTTPRoutes; `h2c`: HTTP/2 with prior knowledge on the front. */
export function nginxProxyConf(dir: string, port: number, upstreamPort: number, routes: number, workers = 1, h2c = false): string {
  const locations: string[] = [];
  for (let i = 0; i < routes; i++) locations.push(`    location ${routePath(i)} { proxy_pass http://up; }`);
  return `${nginxHead(dir, workers)}
  upstream up {
    server 127.0.0.1:${upstreamPort};
    keepalive 128;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
  }
  server {
    listen 127.0.0.1:${port}${h2c ? ' http2' : ''};
    proxy_http_version 1.1;
    proxy_set_header Connection "";
${locations.join('\n')}
  }
}
`;
}

export function haproxyConf(port: number, upstreamPort: number, h2c = false): string {
  return `global
  nbthread 1
  maxconn 4000
defaults
  mode http
  option http-keep-alive
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s
frontend fe
  bind 127.0.0.1:${port}${h2c ? ' proto h2' : ''}
  default_backend be
backend be
  http-reuse always
  server up 127.0.0.1:${upstreamPort} maxconn 1000
`;
}
