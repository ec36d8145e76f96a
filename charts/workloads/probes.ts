import { k8s } from 'cdk8s-plus-27';
import type { ProbeConfig } from '../../config/schema.js';

/** Liveness, readiness and startup probes of one container, as config declares them. */
export interface ProbesConfig {
  readonly liveness: ProbeConfig;
  readonly readiness: ProbeConfig;
  readonly startup: ProbeConfig;
}

/**
 * A probe as Kubernetes writes it: http (GET `path`), tcp (a connection), exec (`command` exits 0)
 * or grpc (the gRPC health service); undefined when disabled. `defaultPort` is the port a probe
 * without its own uses: a web service's "http" port name (its number for grpc, which takes no
 * name); a worker or sidecar has none, and config/rules.ts makes its probes name one.
 */
function containerProbe(probe: ProbeConfig, defaultPort: { name?: string; number?: number } = {}): k8s.Probe | undefined {
  if (!probe.enabled) return undefined;
  const timing = {
    initialDelaySeconds: probe.initialDelaySeconds || undefined,
    periodSeconds: probe.periodSeconds,
    timeoutSeconds: probe.timeoutSeconds,
    failureThreshold: probe.failureThreshold,
  };
  const port = probe.port ?? defaultPort.name ?? defaultPort.number;
  const portRef = () => {
    if (port === undefined) throw new Error('a probe without a port (config/rules.ts should have refused it)');
    return typeof port === 'number' ? k8s.IntOrString.fromNumber(port) : k8s.IntOrString.fromString(port);
  };
  switch (probe.type) {
    case 'http':
      return { httpGet: { path: probe.path, port: portRef() }, ...timing };
    case 'tcp':
      return { tcpSocket: { port: portRef() }, ...timing };
    case 'exec':
      return { exec: { command: probe.command }, ...timing };
    case 'grpc': {
      const number = typeof probe.port === 'number' ? probe.port : defaultPort.number;
      if (number === undefined) throw new Error('a grpc probe without a port number (config/rules.ts should have refused it)');
      return { grpc: { port: number, service: probe.grpcService }, ...timing };
    }
  }
}

/** The three probes of a container. */
export function containerProbes(
  probes: ProbesConfig,
  defaultPort: { name?: string; number?: number } = {},
): Pick<k8s.Container, 'livenessProbe' | 'readinessProbe' | 'startupProbe'> {
  return {
    livenessProbe: containerProbe(probes.liveness, defaultPort),
    readinessProbe: containerProbe(probes.readiness, defaultPort),
    startupProbe: containerProbe(probes.startup, defaultPort),
  };
}
