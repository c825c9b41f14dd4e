// echo-basic in UDP mode (UDP_ECHO_SERVER set), played on one pod's IP: every datagram is answered, from the
// address it was sent to, with a JSON envelope of the payload and the pod's identity (udpechoserver).

import { envPort, goJson, goJsonBytes } from './go-formats.ts';
import { bindUdp, closeUdp, hostPort } from './listening.ts';
import type { Pod, PodServer } from './types.ts';

// The real server reads into a 1024-byte buffer; the rest of a longer datagram is lost.
const READ_BUFFER = 1024;

export async function startUdpEcho(pod: Pod): Promise<PodServer> {
  const port = envPort(pod, 'UDP_PORT', 8080);
  const context = {
    namespace: pod.env.NAMESPACE ?? '',
    ingress: pod.env.INGRESS_NAME ?? '',
    service: pod.env.SERVICE_NAME ?? '',
    pod: pod.env.POD_NAME ?? '',
  };
  const socket = await bindUdp(pod, 'udp echo', port);
  pod.log(
    `UDP server listening on :${port} with context: ` +
      `{Namespace:${context.namespace} Ingress:${context.ingress} Service:${context.service} Pod:${context.pod}}`,
  );
  socket.on('message', (msg, rinfo) => {
    const request = msg.subarray(0, READ_BUFFER);
    pod.log(`Received UDP ${request.toString('utf8')} from ${hostPort(rinfo.address, rinfo.port)}`);
    // Field order of Go's EchoResponse struct: request, then the inlined pod context.
    const reply = `{"request":${goJsonBytes(request)},${goJson(context).slice(1)}`;
    socket.send(reply, rinfo.port, rinfo.address, (err) => {
      if (err) pod.log(`Error writing UDP: ${err.message}`);
    });
  });
  return { close: () => closeUdp(socket) };
}
