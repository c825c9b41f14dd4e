// The core Kubernetes objects Gateway API resources point at; only the fields Portico reads.
import type { KubeObject } from './meta.ts';

export type ServicePort = {
  name?: string;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  port: number;
  targetPort?: number | string;
  appProtocol?: string;
};

export type Service = KubeObject & {
  kind: 'Service';
  spec: {
    type?: string;
    clusterIP?: string;
    externalName?: string;
    ports?: ServicePort[];
    selector?: Record<string, string>;
  };
};

export type EndpointSlice = KubeObject & {
  kind: 'EndpointSlice';
  addressType: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints?: {
    addresses: string[];
    conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
    hostname?: string;
  }[];
  ports?: { name?: string; port?: number; protocol?: string; appProtocol?: string }[];
};

export type Secret = KubeObject & {
  kind: 'Secret';
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
};

export type ConfigMap = KubeObject & {
  kind: 'ConfigMap';
  data?: Record<string, string>;
};

export type Namespace = KubeObject & {
  kind: 'Namespace';
};

/** The label every EndpointSlice carries naming its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
