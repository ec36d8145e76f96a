/**
 * The configuration files the project writes for Loki and the log shippers, checked offline as
 * far as possible: Loki's against the keys and types Loki 3.7.6 documents (imports/loki/), unknown
 * keys rejected; Alloy's with Alloy's own parser (test/go/alloy-parse) and against the components
 * Alloy 1.18.1 documents (imports/alloy/).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import fc from 'fast-check';
import { environmentContext, loggingNamespace } from '../config/context.js';
import { loadEnvironment } from '../config/load.js';
import { ALLOY_MODES, type AlloyMode } from '../config/schema.js';
import { alloyConfig, attr, block, formatAlloy, ref, type AlloyBlock } from '../observability/alloy.js';
import { alloyConfigProblems, parseAlloyComponent, type AlloyReference } from '../observability/alloy-reference.js';
import { lokiConfig } from '../observability/logging.js';
import { lokiConfigProblems, parseLokiReference, type LokiReference } from '../observability/loki-reference.js';
import { parseAlloy } from './go/alloy-parse.js';
import { ENVIRONMENTS, find, renderCommitted, renderYaml } from './helpers.js';

const reference: LokiReference = JSON.parse(readFileSync(new URL('../imports/loki/config-keys.json', import.meta.url), 'utf8'));
const DEFAULTS = { retentionPeriod: '720h', schemaV13From: '2026-12-14', ingestionRateMb: 8, maxStreams: 10000 };

describe('Loki configuration against the keys Loki documents', () => {
  it('uses the reference of the Loki version the image runs', () => {
    expect(reference.source).toMatchObject({ repository: 'https://github.com/grafana/loki', version: 'v3.7.6', file: 'docs/sources/shared/configuration.md' });
    const image = renderYaml('tier: prod\n')
      .files.flatMap((f) => f.objects)
      .find((o: any) => o.kind === 'StatefulSet' && o.metadata.name === 'loki') as any;
    expect(`v${image.spec.template.spec.containers[0].image.split(':').at(-1)}`).toBe(reference.source.version);
    expect(Object.keys(reference.blocks)).toEqual(expect.arrayContaining(['loki.yaml', 'server', 'common', 'compactor', 'limits_config', 'period_config', 'storage_config']));
  });

  it.each(ENVIRONMENTS)('%s: the committed loki.yaml has only documented keys, of the documented types', (name) => {
    const env = renderCommitted(name);
    const logging = env.files.find((f) => f.name === '60-logging.yaml');
    if (!logging) return; // logs off
    expect(lokiConfigProblems(parse(find(env, 'ConfigMap', 'loki-config').data['loki.yaml']), reference)).toEqual([]);
  });

  it('accepts the configuration for any retention, schema day and limits', () => {
    for (const opts of [DEFAULTS, { retentionPeriod: '14d', schemaV13From: '2030-01-01', ingestionRateMb: 0.5, maxStreams: 100 }]) {
      expect(lokiConfigProblems(lokiConfig(opts), reference)).toEqual([]);
    }
  });

  it("rejects what Loki 3 no longer reads: Loki 2.8's shared_store keys", () => {
    const old = lokiConfig(DEFAULTS) as any;
    old.compactor.shared_store = 'filesystem';
    old.storage_config.tsdb_shipper.shared_store = 'filesystem';
    expect(lokiConfigProblems(old, reference)).toEqual([
      'storage_config.tsdb_shipper.shared_store: not a key Loki v3.7.6 documents here',
      'compactor.shared_store: not a key Loki v3.7.6 documents here',
    ]);
  });

  it('rejects unknown keys at any depth, misplaced keys and values of the wrong type', () => {
    const config = lokiConfig(DEFAULTS) as any;
    config.limits_config.retention = '30d';
    config.server.http_listen_port = '3100';
    config.retention_period = '720h';
    config.schema_config.configs[1].index.period = 'daily';
    config.common.ring.kvstore.store = 5;
    config.compactor.retention_enabled = 'yes';
    expect(lokiConfigProblems(config, reference)).toEqual([
      'server.http_listen_port: "3100" is not a <int>',
      'common.ring.kvstore.store: 5 is not a <string>',
      'schema_config.configs[1].index.period: "daily" is not a <duration>',
      'compactor.retention_enabled: "yes" is not a <boolean>',
      'limits_config.retention: not a key Loki v3.7.6 documents here',
      'retention_period: not a key Loki v3.7.6 documents here',
    ]);
  });
});

describe("reading Loki's configuration reference", () => {
  const markdown = [
    '# Configuration',
    '### Supported contents and default values of `loki.yaml`',
    '```yaml',
    '# The server.',
    '[server: <server>]',
    '',
    'common:',
    '  # A path.',
    '  [path_prefix: <string> | default = ""]',
    '  ring:',
    '    [replication: <int> | default = 3]',
    '  [<tls_config>]',
    '  headers:',
    '    [: <map of string to Header>]',
    '',
    '[schema: <list of period_configs>]',
    '```',
    '### server',
    'An example first:',
    '```yaml',
    'server:',
    '  http_listen_port: 80',
    '```',
    '```yaml',
    '[http_listen_port: <int> | default = 3100]',
    '[log_level: <string> | default = "info"]',
    '```',
    '### period_config',
    '```yaml',
    '[from: <daytime>]',
    '[tags: <map of string to string>]',
    '```',
    '### tls_config',
    '```yaml',
    '[ca_file: <string>]',
    '```',
    '## Runtime configuration',
    '```yaml',
    'not: [part of it]',
    '```',
  ].join('\n');
  const ref = parseLokiReference(markdown, { version: 'test' });

  it('reads leaf types, inline, named, embedded and listed blocks, and maps of any key', () => {
    expect(ref.blocks['loki.yaml']).toEqual({
      $embed: [],
      keys: {
        server: { $block: 'server' },
        common: {
          $embed: ['tls_config'],
          keys: { path_prefix: '<string>', ring: { $embed: [], keys: { replication: '<int>' } }, headers: { $embed: [], keys: { '': '<map of string to Header>' } } },
        },
        schema: { $listOf: 'period_config' },
      },
    });
    expect(ref.blocks.server.keys).toEqual({ http_listen_port: '<int>', log_level: '<string>' });
  });

  it('checks a configuration through them', () => {
    const ok = {
      server: { http_listen_port: 3100 },
      common: { ca_file: '/ca', ring: { replication: 1 }, headers: { X: 'y' } },
      schema: [{ from: '2024-01-01', tags: { a: 'b' } }],
    };
    expect(lokiConfigProblems(ok, ref)).toEqual([]);
    expect(lokiConfigProblems({ server: { port: 1 }, schema: [{ from: 'monday' }], common: { ring: [] } }, ref)).toEqual([
      'server.port: not a key Loki test documents here',
      'schema[0].from: "monday" is not a <daytime>',
      'common.ring: not a mapping',
    ]);
  });

  it('refuses text that is not the reference, or a line it cannot read', () => {
    expect(() => parseLokiReference('# something else', {})).toThrow(/not Loki's configuration reference/);
    expect(() => parseLokiReference(markdown.replace('[log_level: <string> | default = "info"]', 'log_level = info'), {})).toThrow(
      /cannot read the reference line "log_level = info"/,
    );
  });
});

describe('Alloy configuration: parsed by Alloy itself, checked against its component reference', () => {
  const components: AlloyReference = JSON.parse(readFileSync(new URL('../imports/alloy/components.json', import.meta.url), 'utf8'));
  const opts = (mode: AlloyMode) => ({ mode, lokiUrl: 'http://loki.logs.svc.cluster.local:3100', namespaces: ['shop', 'logs'] });
  /** The model as JSON carries it (what the parser's output is compared with). */
  const asJson = (config: readonly AlloyBlock[]) => JSON.parse(JSON.stringify(config));

  it('uses the reference of the Alloy version the image runs', () => {
    expect(components.source).toMatchObject({ repository: 'https://github.com/grafana/alloy', version: 'v1.18.1' });
    const image = find(renderYaml('tier: prod\n'), 'DaemonSet', 'alloy').spec.template.spec.containers[0].image;
    expect(image.split(':').at(-1)).toBe(components.source.version);
  });

  it.each(ALLOY_MODES)("%s mode: the text reads back, with Alloy's parser, as exactly the configuration it was written from", (mode) => {
    const config = alloyConfig(opts(mode));
    expect(parseAlloy(formatAlloy(config))).toEqual({ ok: true, statements: asJson(config) });
  });

  it.each(ALLOY_MODES)('%s mode: every component, block, argument and reference is one Alloy documents; required arguments are set', (mode) => {
    expect(alloyConfigProblems(alloyConfig(opts(mode)), components)).toEqual([]);
  });

  it.each(ENVIRONMENTS)('%s: the committed config.alloy parses and is the configuration of its environment', (name) => {
    const env = renderCommitted(name);
    const cm = env.files.flatMap((f) => f.objects).find((o: any) => o.kind === 'ConfigMap' && o.metadata.name === 'alloy-config') as any;
    if (!cm) return; // logs off or another shipper
    const context = environmentContext(name, loadEnvironment(name).config);
    const logging = loggingNamespace(context);
    const expected = alloyConfig({ mode: context.config.logs.alloy.mode, lokiUrl: `http://loki.${logging}.svc.cluster.local:3100`, namespaces: [context.namespace, logging] });
    expect(parseAlloy(cm.data['config.alloy'])).toEqual({ ok: true, statements: asJson(expected) });
  });

  it('writes any string so that Alloy reads it back unchanged', () => {
    const strings = [...fc.sample(fc.string({ unit: 'binary' }), 300), 'say "hi"\\\n\t\r\u0001\u007f $1 $' + '{x} é 😀', ''];
    const config = [
      block('loki.write', 'x', [
        block('endpoint', undefined, [attr('url', strings[0]), attr('headers', { object: { 'X-A': strings[1], b: strings[2] } })]),
        attr('values', strings),
      ]),
    ];
    expect(parseAlloy(formatAlloy(config))).toEqual({ ok: true, statements: asJson(config) });
  });

  it("fails on text Alloy's parser rejects", () => {
    const text = formatAlloy(alloyConfig(opts('api')));
    expect(parseAlloy(text.replace('loki.write "loki" {', 'loki.write "loki" ('))).toMatchObject({ ok: false, error: expect.stringContaining('config.alloy:') });
    expect(parseAlloy('a = [1, 2\n')).toMatchObject({ ok: false });
  });

  it('finds unknown components, blocks and arguments, missing required arguments and labels, and references to nothing', () => {
    const config = [
      block('logging', 'main', [attr('level', 'info')]),
      block('loki.source.kubernetes', 'pods', [attr('targets', ref('discovery.relabel.pods.output')), attr('forward_to', [ref('loki.write.loki.receiver')])]),
      block('loki.write', 'loki', [block('endpoint', undefined, [attr('uri', 'http://loki')]), block('queue', undefined, [])]),
      block('loki.process', 'pods', [attr('forward_to', [ref('loki.write.loki.output')]), block('stage.cri', undefined, [attr('max_partial_lines', 10)])]),
      block('loki.source.journald', 'x', []),
      block('local.file_match', undefined, [attr('path_targets', [])]),
    ];
    expect(alloyConfigProblems(config, components)).toEqual([
      'logging "main": a config block takes no label',
      'loki.write "loki" > endpoint: Alloy v1.18.1 documents no argument "uri" here',
      'loki.write "loki" > endpoint: the required argument "url" is missing',
      'loki.write "loki": Alloy v1.18.1 documents no block "queue" here',
      'loki.source.journald "x": not a component or config block of Alloy v1.18.1',
      'local.file_match: a component needs a label',
      'loki.source.kubernetes "pods": discovery.relabel.pods.output names no component the configuration defines',
      'loki.process "pods": loki.write.loki exports no "output"',
    ]);
  });

  it('reads a component page: arguments with their required flag, nested blocks (also from shared tables), exports', () => {
    const page = [
      '# `x.y`',
      '## Arguments',
      '| Name | Type | Description | Default | Required |',
      '| ---- | ---- | ----------- | ------- | -------- |',
      '| `targets` | `list(map(string))` | Targets. | | yes |',
      '| `level` | `string` | Level. | `"info"` | no |',
      '## Blocks',
      '| Block | Description | Required |',
      '| ----- | ----------- | -------- |',
      '| [`client`][client] | The client. | no |',
      '| `client` > [`tls_config`][tls_config] | TLS. | no |',
      '### `client`',
      '| Name | Type | Description | Default | Required |',
      '| ---- | ---- | ----------- | ------- | -------- |',
      '| `api_server` | `string` | URL. | | no |',
      '### `tls_config`',
      '{{< docs/shared lookup="reference/components/tls.md" source="alloy" >}}',
      '## Exported fields',
      '| Name | Type | Description |',
      '| ---- | ---- | ----------- |',
      '| `output` | `list(map(string))` | Out. |',
    ].join('\n');
    const shared = (lookup: string) =>
      lookup === 'reference/components/tls.md' ? '| Name | Type | Description | Default | Required |\n| - | - | - | - | - |\n| `ca_file` | `string` | CA. | | no |' : undefined;
    expect(parseAlloyComponent(page, { labelled: true, shared })).toEqual({
      labelled: true,
      arguments: { targets: true, level: false },
      blocks: { client: { arguments: { api_server: false }, blocks: { tls_config: { arguments: { ca_file: false }, blocks: {} } } } },
      exports: ['output'],
    });
  });
});
