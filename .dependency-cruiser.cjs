/**
 * Import rules between rooms, checked by `npm run lint` (dependency-cruiser over every TypeScript file, type-only
 * imports included): the modules of a room form no cycle; `shared/` (rules several rooms decide alike) imports
 * nothing of the project outside itself; the rule pack and the pipeline meet only there, never importing each other.
 */
/** A room whose modules must not import each other in a circle (a cycle through other rooms is not its own). */
const noCycleWithin = (room) => ({
  name: `no-cycle-in-${room.replace(/\//g, "-")}`,
  comment: `The modules of ${room}/ form no import cycle.`,
  severity: "error",
  from: { path: `^${room}/` },
  to: { circular: true, viaOnly: { path: `^${room}/` } },
});

/** Two rooms that meet only in shared/: `from` imports nothing of `to`. */
const notImporting = (from, to) => ({
  name: `${from}-not-${to}`,
  comment: `The rule pack and the pipeline meet only in shared/: ${from}/ imports nothing of ${to}/.`,
  severity: "error",
  from: { path: `^${from}/` },
  to: { path: `^${to}/` },
});

/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    noCycleWithin("pipeline/summary"),
    noCycleWithin("checks"),
    noCycleWithin("shared"),
    {
      name: "shared-imports-only-shared",
      comment:
        "shared/ holds rules several rooms decide alike: it imports nothing of the project outside itself.",
      severity: "error",
      from: { path: "^shared/" },
      to: { dependencyTypes: ["local"], pathNot: "^shared/" },
    },
    notImporting("checks", "pipeline"),
    notImporting("pipeline", "checks"),
  ],
  options: {
    // Type-only imports count: a cycle or a forbidden import through `import type` is one all the same.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|cdktf\\.out|\\.build|coverage)/|/dist/" },
    includeOnly: "\\.ts$",
  },
};
