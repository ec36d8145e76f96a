/** References between objects that must resolve: Service -> pods, Ingress and HTTPRoute -> Service, HPA -> workload. */
import { metadataOf, podPorts } from '../../core/objects.js';
import type { Manifest } from '../../core/manifest.js';
import { autoscalerOf, templatesSelectedBy } from '../inventory.js';
import type { Finding, Rule } from '../types.js';
import { field } from './helpers.js';

interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
}

const selectorOf = (service: Manifest) => field<Record<string, string>>(service, 'spec', 'selector');

const serviceSelectsPods: Rule = {
  name: 'service-selects-pods',
  severity: 'error',
  fix: "make spec.selector equal the selector labels of the workload's pod template (name + instance, and track for web services)",
  check: (inv) =>
    inv.ofKind('Service').flatMap((service): Finding[] => {
      const selector = selectorOf(service);
      if (!selector || Object.keys(selector).length === 0) return []; // endpoints managed elsewhere
      return templatesSelectedBy(inv, metadataOf(service).namespace, selector).length
        ? []
        : [{ object: service, message: `selector ${JSON.stringify(selector)} matches no pod template of the namespace` }];
    }),
};

const serviceTargetPorts: Rule = {
  name: 'service-target-ports',
  severity: 'error',
  fix: "name the container port like the Service's targetPort (or fix the targetPort)",
  check: (inv) =>
    inv.ofKind('Service').flatMap((service): Finding[] => {
      const templates = templatesSelectedBy(inv, metadataOf(service).namespace, selectorOf(service));
      if (templates.length === 0) return []; // service-selects-pods reports it
      return (field<ServicePort[]>(service, 'spec', 'ports') ?? [])
        .filter((p) => typeof p.targetPort === 'string' && !templates.some((t) => podPorts(t.spec).some((cp) => cp.name === p.targetPort)))
        .map((p) => ({ object: service, message: `port ${p.name ?? p.port} targets "${String(p.targetPort)}", a port no selected pod names` }));
    }),
};

interface IngressBackend {
  service?: { name: string; port?: { name?: string; number?: number } };
}

const ingressBackends: Rule = {
  name: 'ingress-backends',
  severity: 'error',
  fix: 'point the backend at an existing Service of the namespace and one of its ports, by name or number',
  check: (inv) =>
    inv.ofKind('Ingress').flatMap((ingress): Finding[] => {
      const namespace = metadataOf(ingress).namespace;
      const defaultBackend = field<IngressBackend>(ingress, 'spec', 'defaultBackend');
      const backends: IngressBackend[] = [
        ...(defaultBackend ? [defaultBackend] : []),
        ...(field<{ http?: { paths: { backend: IngressBackend }[] } }[]>(ingress, 'spec', 'rules') ?? []).flatMap((r) => (r.http?.paths ?? []).map((p) => p.backend)),
      ];
      return backends.flatMap((backend): Finding[] => {
        if (!backend.service) return [];
        const { name, port } = backend.service;
        const service = inv.find('Service', namespace, name);
        if (!service) return [{ object: ingress, message: `backend Service "${name}" does not exist` }];
        const ports = field<ServicePort[]>(service, 'spec', 'ports') ?? [];
        const found = ports.some((p) => (port?.name !== undefined ? p.name === port.name : p.port === port?.number));
        return found ? [] : [{ object: ingress, message: `backend Service "${name}" has no port ${port?.name ?? port?.number}` }];
      });
    }),
};

interface BackendRef {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  port?: number;
}

const httpRouteBackends: Rule = {
  name: 'http-route-backends',
  severity: 'error',
  fix: 'point the backendRef at an existing Service of the namespace and one of its port numbers',
  check: (inv) =>
    inv.ofKind('HTTPRoute').flatMap((route): Finding[] => {
      const namespace = metadataOf(route).namespace;
      const refs = (field<{ backendRefs?: BackendRef[] }[]>(route, 'spec', 'rules') ?? []).flatMap((r) => r.backendRefs ?? []);
      return refs.flatMap((ref): Finding[] => {
        // Other kinds and namespaces (a ReferenceGrant's business) are not emitted here.
        if ((ref.kind ?? 'Service') !== 'Service' || (ref.group ?? '') !== '' || (ref.namespace ?? namespace) !== namespace) return [];
        const service = inv.find('Service', namespace, ref.name);
        if (!service) return [{ object: route, message: `backendRef Service "${ref.name}" does not exist` }];
        const ports = field<ServicePort[]>(service, 'spec', 'ports') ?? [];
        return ports.some((p) => p.port === ref.port) ? [] : [{ object: route, message: `backendRef Service "${ref.name}" has no port ${ref.port}` }];
      });
    }),
};

const autoscalerTargets: Rule = {
  name: 'autoscaler-targets',
  severity: 'error',
  fix: 'set scaleTargetRef to the kind and name of a Deployment or StatefulSet of the namespace',
  check: (inv) =>
    inv.ofKind('HorizontalPodAutoscaler').flatMap((hpa): Finding[] => {
      const ref = field<{ kind: string; name: string }>(hpa, 'spec', 'scaleTargetRef');
      return ref && inv.find(ref.kind, metadataOf(hpa).namespace, ref.name) ? [] : [{ object: hpa, message: `scale target ${ref?.kind}/${ref?.name} does not exist` }];
    }),
};

const autoscaledReplicas: Rule = {
  name: 'autoscaled-replicas',
  severity: 'error',
  fix: "omit spec.replicas on a workload an HPA scales: every apply or Argo CD sync would reset the HPA's choice",
  check: (inv) =>
    inv.templates.flatMap((t) => {
      const replicas = field(t.object, 'spec', 'replicas');
      const autoscaler = autoscalerOf(inv, t);
      return replicas !== undefined && autoscaler
        ? [{ object: t.object, message: `sets spec.replicas (${String(replicas)}) although HPA ${metadataOf(autoscaler).name} scales it` }]
        : [];
    }),
};

export const referenceRules: readonly Rule[] = [serviceSelectsPods, serviceTargetPorts, ingressBackends, httpRouteBackends, autoscalerTargets, autoscaledReplicas];
