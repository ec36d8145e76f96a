import { describe, expect, it } from 'vitest';
import { checksum, stableJson } from '../core/checksum.js';
import { connectionEnv } from '../config/connections.js';
import { imageReference, pullSecrets } from '../charts/workloads/image.js';
import { labelValue, recommendedLabels, selectorLabels } from '../config/labels.js';
import { deepMerge } from '../config/merge.js';
import { statefulSetPodHosts, volumeNameForPath } from '../config/names.js';
import { bytesOf, cpuToMillicores, notAbove, redisMemory } from '../config/quantity.js';
import { configFromYaml } from './helpers.js';

describe('quantities', () => {
  it('parses CPU into millicores', () => {
    expect(cpuToMillicores('250m')).toBe(250);
    expect(cpuToMillicores('1.5')).toBe(1500);
    expect(cpuToMillicores('2')).toBe(2000);
    expect(cpuToMillicores('lots')).toBeNaN();
  });
  it('parses byte quantities with binary and decimal suffixes', () => {
    expect(bytesOf('512Mi')).toBe(512 * 1024 * 1024);
    expect(bytesOf('1Gi')).toBe(1024 ** 3);
    expect(bytesOf('1G')).toBe(1e9);
    expect(bytesOf('100')).toBe(100);
    expect(bytesOf('512MB')).toBeNaN();
  });
  it('compares requests with limits, leaving malformed values to their own error', () => {
    expect(notAbove('1Gi', '512Mi', bytesOf)).toBe(false);
    expect(notAbove('512Mi', '1Gi', bytesOf)).toBe(true);
    expect(notAbove('512MB', '1Gi', bytesOf)).toBe(true);
  });
  it('converts a memory quantity to the byte count Redis expects', () => {
    expect(redisMemory('200Mi')).toBe(String(200 * 1024 * 1024));
  });
});

describe('deepMerge (environment overlays)', () => {
  it('merges maps key by key and replaces lists and scalars', () => {
    const base = { a: { b: 1, c: [1, 2] }, d: 'x' };
    expect(deepMerge(base, { a: { c: [3] }, e: true })).toEqual({ a: { b: 1, c: [3] }, d: 'x', e: true });
    expect(base).toEqual({ a: { b: 1, c: [1, 2] }, d: 'x' });
  });
  it('lets a wrong type replace the default so validation can report it', () => {
    expect(deepMerge({ a: { b: 1 } }, { a: 5 })).toEqual({ a: 5 });
  });
});

describe('labels', () => {
  const ctx = { partOf: 'webapp', instance: 'webapp-prod' };
  it('selects on name and instance only, never on version', () => {
    expect(selectorLabels(ctx, 'backend')).toEqual({ 'app.kubernetes.io/name': 'backend', 'app.kubernetes.io/instance': 'webapp-prod' });
  });
  it('carries all six recommended labels', () => {
    expect(Object.keys(recommendedLabels(ctx, { name: 'backend', component: 'backend', version: '1.2.3' })).sort()).toEqual([
      'app.kubernetes.io/component',
      'app.kubernetes.io/instance',
      'app.kubernetes.io/managed-by',
      'app.kubernetes.io/name',
      'app.kubernetes.io/part-of',
      'app.kubernetes.io/version',
    ]);
  });
  it('turns any version into a valid label value', () => {
    expect(labelValue('1.2.3+build/7')).toBe('1.2.3_build_7');
    expect(labelValue('x'.repeat(80))).toHaveLength(63);
    expect(labelValue('-v1-')).toBe('v1');
  });
});

describe('names', () => {
  it('derives readable volume names from writable paths', () => {
    expect(volumeNameForPath('/var/cache/nginx')).toBe('writable-var-cache-nginx');
    expect(volumeNameForPath('/tmp')).toBe('writable-tmp');
  });
  it('lists StatefulSet pod DNS names', () => {
    expect(statefulSetPodHosts('mongodb', 'mongodb', 'ns', 2)).toEqual(['mongodb-0.mongodb.ns.svc.cluster.local', 'mongodb-1.mongodb.ns.svc.cluster.local']);
  });
});

describe('images', () => {
  it('builds registry/repository:tag and pins the digest when given', () => {
    const image = { registry: 'ghcr.io', repository: 'acme/api', tag: '1.0.0', pullPolicy: 'IfNotPresent' as const };
    expect(imageReference(image)).toBe('ghcr.io/acme/api:1.0.0');
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(imageReference({ ...image, digest })).toBe(`ghcr.io/acme/api:1.0.0@${digest}`);
  });
  it('merges global and workload pull secrets without duplicates', () => {
    expect(pullSecrets(['a', 'b'], ['b', 'c'])).toEqual([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    expect(pullSecrets([], [])).toBeUndefined();
  });
});

describe('checksum', () => {
  it('does not depend on key order', () => {
    expect(stableJson({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe('{"a":[1,{"c":3,"d":2}],"b":1}');
    expect(checksum({ a: 1, b: 2 })).toBe(checksum({ b: 2, a: 1 }));
    expect(checksum({ a: 1 })).not.toBe(checksum({ a: 2 }));
  });
});

describe('datastore connections', () => {
  it('references credentials through secretKeyRef and composes URIs with $(VAR) expansion', () => {
    const config = configFromYaml('tier: prod\nmongodb: { replicaSet: { enabled: true, members: 3 } }');
    const { plain, env } = connectionEnv(['mongodb', 'redis'], config, 'ns');
    expect(plain.MONGODB_HOSTS.split(',')).toHaveLength(3);
    expect(plain.REDIS_HOST).toBe('redis.ns.svc.cluster.local');
    const byName = Object.fromEntries(env.map((e) => [e.name, e]));
    expect(byName.MONGODB_PASSWORD.valueFrom?.secretKeyRef).toEqual({ name: 'mongodb-auth', key: 'password' });
    expect(byName.MONGODB_URI.value).toMatch(/^mongodb:\/\/\$\(MONGODB_USERNAME\):\$\(MONGODB_PASSWORD\)@mongodb-0\..*replicaSet=rs0$/);
    expect(byName.REDIS_URL.value).toBe('redis://:$(REDIS_PASSWORD)@redis.ns.svc.cluster.local:6379');
    // $(VAR) only expands variables defined earlier in the list.
    const names = env.map((e) => e.name);
    expect(names.indexOf('MONGODB_PASSWORD')).toBeLessThan(names.indexOf('MONGODB_URI'));
    expect(names.indexOf('REDIS_PASSWORD')).toBeLessThan(names.indexOf('REDIS_URL'));
  });
  it('gives nothing to a workload that uses no datastore', () => {
    const { plain, env } = connectionEnv([], configFromYaml('tier: prod\n'), 'ns');
    expect(plain).toEqual({});
    expect(env).toEqual([]);
  });
});
