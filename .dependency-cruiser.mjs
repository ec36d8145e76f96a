/**
 * The dependency rules of docs/architecture.md, checked by `npm run depcruise` (part of `npm test`):
 * dependencies flow one way down LAYERS, there are no import cycles, and nothing imports test/.
 * Type-only imports count too: a type a lower layer needs belongs in that lower layer.
 * @type {import('dependency-cruiser').IConfiguration}
 */

/** The layers, lowest first: a module may import its own folder and the folders of lower layers only. */
export const LAYERS = [['config'], ['core'], ['observability'], ['delivery'], ['charts'], ['gitops', 'helm', 'policy'], ['synth'], ['cli']];

/** A folder's modules as a path pattern; main.ts is the cdk8s entry point, a command like those in cli/. */
const modulesOf = (folder) => (folder === 'cli' ? '^(cli/|main[.]ts$)' : `^${folder}/`);

/** One rule per folder: no import of a folder in its own layer or above. */
const layerRules = LAYERS.flatMap((layer, rank) =>
  layer.flatMap((folder) => {
    const above = LAYERS.slice(rank)
      .flat()
      .filter((other) => other !== folder);
    return above.length === 0
      ? []
      : [
          {
            name: `layer-${folder}`,
            comment: `${folder}/ imports its own folder and the layers below it only, not ${above.join(', ')} (docs/architecture.md#dependency-direction)`,
            severity: 'error',
            from: { path: modulesOf(folder) },
            to: { path: above.map(modulesOf) },
          },
        ];
  }),
);

export default {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycles (docs/architecture.md#dependency-direction).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'not-to-test',
      comment: 'Test code (test/) may import anything, but nothing outside test/ imports it.',
      severity: 'error',
      from: { pathNot: '^test/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    // @swc/core parses TypeScript: dependency-cruiser 17 reads `typescript` only below version 7.
    parser: 'swc',
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    // Generated output, dependencies and ignored scratch folders (.cache/, .scratch/, cdk8s.out/).
    exclude: { path: '^(dist|node_modules|cdk8s[.]out|[.][^/]+)/' },
    moduleSystems: ['es6', 'cjs'],
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
