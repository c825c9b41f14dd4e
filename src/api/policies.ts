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

export type XBackendTrafficPolicy = KubeObject & {
  kind: 'XBackendTrafficPolicy';
  spec: {
    targetRefs: { group: string; kind: string; name: string }[];
    retryConstraint?: { budget?: { percent?: number; interval?: string }; minRetryRate?: { count?: number; interval?: string } };
    sessionPersistence?: Record<string, unknown>;
  };
  status?: PolicyStatus;
};
