// Policy kinds Portico reads: BackendTLSPolicy (gateway.networking.k8s.io/v1) and XBackendTrafficPolicy
// (gateway.networking.x-k8s.io/v1alpha1). Upstream names, only the fields Portico reads.
import type { Condition, KubeObject } from './meta.ts';

export type LocalPolicyTargetReferenceWithSectionName = { group: string; kind: string; name: string; sectionName?: string };

export type PolicyAncestorStatus = {
  ancestorRef: { group?: string; kind?: string; namespace?: string; name: string; sectionName?: string; port?: number };
  controllerName: string;
  conditions: Condition[];
};

export type PolicyStatus = { ancestors?: PolicyAncestorStatus[] };

export type SubjectAltName = { type: 'Hostname' | 'URI'; hostname?: string; uri?: string };

export type BackendTLSPolicy = KubeObject & {
  kind: 'BackendTLSPolicy';
  spec: {
    targetRefs: LocalPolicyTargetReferenceWithSectionName[];
    validation: {
      caCertificateRefs?: { group: string; kind: string; name: string }[];
      wellKnownCACertificates?: 'System';
      hostname: string;
      subjectAltNames?: SubjectAltName[];
    };
    options?: Record<string, string>;
  };
  status?: PolicyStatus;
};

/** GEP-1619, shared by HTTPRoute and GRPCRoute rules and XBackendTrafficPolicy. */
export type SessionPersistence = {
  sessionName?: string;
  absoluteTimeout?: string;
  idleTimeout?: string;
  type?: 'Cookie' | 'Header' | string;
  cookieConfig?: { lifetimeType?: 'Permanent' | 'Session' | string };
};

export type XBackendTrafficPolicy = KubeObject & {
  kind: 'XBackendTrafficPolicy';
  spec: {
    targetRefs: { group: string; kind: string; name: string }[];
    /** Defaults (CRD): budget {percent: 20, interval: 10s}, minRetryRate {count: 10, interval: 1s}. */
    retryConstraint?: { budget?: { percent?: number; interval?: string }; minRetryRate?: { count?: number; interval?: string } };
    sessionPersistence?: SessionPersistence;
  };
  status?: PolicyStatus;
};
